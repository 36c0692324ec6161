"""Every hard range of the data dictionary is refused twice: by the database
(a named CheckConstraint, whatever door the value came through) and by full_clean
(a message naming the field and the allowed range)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    PatientFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

FUTURE = datetime.date.today() + datetime.timedelta(days=30)

# (factory, field, bad value, constraint name, words the full_clean message must contain)
CASES = [
    (VisitFactory, "edss", 0.5, "registry_visit_edss_valid", ["edss", "0.5 does not exist"]),
    (VisitFactory, "edss", 10.5, "registry_visit_edss_valid", ["edss", "0 … 10"]),
    (VisitFactory, "msws12", 100.5, "registry_visit_msws12_range", ["msws12", "0 … 100"]),
    (VisitFactory, "t25fw_s", 0.5, "registry_visit_t25fw_s_range", ["t25fw_s", "1 … 300 s"]),
    (
        VisitFactory,
        "disease_course",
        "RPMS",
        "registry_visit_disease_course_valid",
        ["disease_course", "CIS, RRMS, SPMS, PPMS"],
    ),
    (
        VisitFactory,
        "walking_aid",
        "rollator",
        "registry_visit_walking_aid_valid",
        ["walking_aid", "none, unilateral, bilateral, wheelchair"],
    ),
    (
        VisitFactory,
        "visit_date",
        FUTURE,
        "registry_visit_visit_date_not_future",
        ["visit_date", "future"],
    ),
    (
        GaitSessionFactory,
        "velocity_m_s",
        0.0,
        "registry_gaitsession_velocity_m_s_range",
        ["velocity_m_s", "0.05 … 3 m/s"],
    ),
    (
        GaitSessionFactory,
        "cadence_steps_min",
        251.0,
        "registry_gaitsession_cadence_steps_min_range",
        ["cadence_steps_min", "20 … 250"],
    ),
    (
        GaitSessionFactory,
        "stride_length_m",
        2.5,
        "registry_gaitsession_stride_length_m_range",
        ["stride_length_m", "0.1 … 2.4 m"],
    ),
    (
        GaitSessionFactory,
        "double_support_pct",
        81.0,
        "registry_gaitsession_double_support_pct_range",
        ["double_support_pct", "0 … 80"],
    ),
    (
        GaitSessionFactory,
        "stride_time_cv_pct",
        -1.0,
        "registry_gaitsession_stride_time_cv_pct_range",
        ["stride_time_cv_pct", "0 … 100"],
    ),
    (
        GaitSessionFactory,
        "condition",
        "treadmill",
        "registry_gaitsession_condition_valid",
        ["condition", "comfortable, fast, dual_task"],
    ),
    (
        MriScanFactory,
        "brain_parenchymal_fraction",
        1.2,
        "registry_mriscan_brain_parenchymal_fraction_range",
        ["brain_parenchymal_fraction", "0.5 … 1"],
    ),
    (
        MriScanFactory,
        "t2_lesion_volume_ml",
        301.0,
        "registry_mriscan_t2_lesion_volume_ml_range",
        ["t2_lesion_volume_ml", "0 … 300 ml"],
    ),
    (
        MriScanFactory,
        "field_strength_t",
        9.4,
        "registry_mriscan_field_strength_t_range",
        ["field_strength_t", "0.5 … 7 T"],
    ),
    (
        MriScanFactory,
        "scan_date",
        FUTURE,
        "registry_mriscan_scan_date_not_future",
        ["scan_date", "future"],
    ),
    (PatientFactory, "sex", "Q", "registry_patient_sex_valid", ["sex", "F, M, X"]),
    (
        PatientFactory,
        "birth_year",
        1899,
        "registry_patient_birth_year_range",
        ["birth_year", "1900"],
    ),
    (
        PatientFactory,
        "patient_id",
        "a b",
        "registry_patient_patient_id_format",
        ["patient_id"],
    ),
    (CenterFactory, "code", "lower", "registry_center_code_format", ["code"]),
]
IDS = [f"{case[0].__name__.removesuffix('Factory')}.{case[1]}={case[2]}" for case in CASES]


@pytest.mark.parametrize(("factory", "field", "value", "constraint", "words"), CASES, ids=IDS)
def test_database_rejects_value_outside_hard_range(factory, field, value, constraint, words):
    obj = factory.build(**{field: value})
    _save_parents(obj)
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        obj.save()
    assert constraint in str(excinfo.value)


@pytest.mark.parametrize(("factory", "field", "value", "constraint", "words"), CASES, ids=IDS)
def test_full_clean_names_field_and_allowed_range(factory, field, value, constraint, words):
    obj = factory.build(**{field: value})
    _save_parents(obj)
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    messages = " ".join(excinfo.value.message_dict.get(field, []))
    for word in words:
        assert word in messages, f"{word!r} missing from {messages!r}"


def test_full_clean_accepts_the_boundaries_of_each_range():
    visit = VisitFactory(edss=10.0, msws12=0.0, t25fw_s=300.0)
    visit.full_clean()
    gait = GaitSessionFactory.build(
        visit=visit,
        velocity_m_s=0.05,
        cadence_steps_min=20.0,
        step_length_m=0.15,
        stride_length_m=0.3,
        stride_time_s=6.0,
        step_time_s=3.0,
        stride_time_cv_pct=100.0,
    )
    gait.full_clean()
    VisitFactory.build(
        patient=visit.patient, edss=0.0, visit_date=datetime.date.today()
    ).full_clean()


def test_visit_before_the_birth_year_is_rejected_by_full_clean():
    patient = PatientFactory(birth_year=1990)
    visit = VisitFactory.build(patient=patient, visit_date=datetime.date(1989, 12, 31))
    with pytest.raises(ValidationError) as excinfo:
        visit.full_clean()
    assert "birth year 1990" in " ".join(excinfo.value.message_dict["visit_date"])


def test_onset_before_birth_is_rejected_at_the_database():
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        PatientFactory(birth_year=1990, onset_year=1985, diagnosis_date=None)
    assert "registry_patient_onset_year_range" in str(excinfo.value)


def _save_parents(obj) -> None:
    """Save the parents a built object points to, so only the object itself is new."""
    for name in ("center", "patient", "visit"):
        parent = getattr(obj, name, None) if name in {f.name for f in obj._meta.fields} else None
        if parent is not None and parent.pk is None:
            _save_parents(parent)
            parent.save()
            setattr(obj, name, parent)
