"""Fixtures shared by the registry tests."""

import datetime
from dataclasses import dataclass

import pytest

from registry.models import Center, GaitSession, MriScan, Patient, Visit
from tests.factories import CenterFactory, GaitSessionFactory, MriScanFactory, PatientFactory


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
