"""Fixtures shared by the registry tests."""

import datetime
from dataclasses import dataclass

import pytest

from config.celery import app
from registry.models import Center, GaitSession, MriScan, Patient, Role, Visit
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    PatientFactory,
    UserFactory,
)


@dataclass
class Centre:
    center: Center
    patient: Patient  # born 1980, with one visit, its comfortable walk, and a scan
    visit: Visit
    walk: GaitSession
    scan: MriScan

    @property
    def code(self) -> str:
        return self.center.code


@pytest.fixture
def world() -> dict[str, Centre]:
    """Two centres, "A" (TST-A) and "B" (TST-B), each with one patient (SYN-A1, SYN-B1)
    who has a visit on 2022-05-02 with a comfortable walk, and a scan a week later."""
    centres = {}
    for code in ("A", "B"):
        center = CenterFactory(code=f"TST-{code}")
        patient = PatientFactory(patient_id=f"SYN-{code}1", center=center, birth_year=1980)
        walk = GaitSessionFactory(
            visit__patient=patient, visit__visit_date=datetime.date(2022, 5, 2)
        )
        scan = MriScanFactory(patient=patient, scan_date=datetime.date(2022, 5, 9))
        centres[code] = Centre(center, patient, walk.visit, walk, scan)
    return centres


@pytest.fixture
def root(settings, tmp_path):
    """The upload folder of the import page tests, with Celery tasks run in the test."""
    eager = app.conf.task_always_eager  # read before the settings change below
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "imports"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True  # the app has read its settings already
    try:
        yield settings.IMPORT_UPLOAD_ROOT
    finally:
        app.conf.task_always_eager = eager


@pytest.fixture
def clinician():
    """A clinician of TST-A (TST-B exists too) for the import page tests."""
    CenterFactory(code="TST-B")
    return UserFactory(role=Role.CLINICIAN, centers=[CenterFactory(code="TST-A")])
