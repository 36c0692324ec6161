"""An import limited to some centres tells nothing about the others: a row naming
another centre's patient or centre gets exactly the message an unknown one gets, and
no later rule runs on it. It used to answer "before the birth year 1972" (the true
value), to miss the "no visit on D" message exactly on that patient's real visit dates,
and to say "belongs to another centre" where an unknown pseudonym got "is not an
existing patient"."""

import datetime

import pytest

from registry.access import import_scope
from registry.importing.service import registry_import
from registry.models import Role
from tests.factories import CenterFactory, PatientFactory, UserFactory, VisitFactory

pytestmark = pytest.mark.django_db

VISITS = "patient_id,visit_date,disease_course,edss,msws12,t25fw_s,walking_aid\n"
GAIT = (
    "patient_id,visit_date,condition,velocity_m_s,cadence_steps_min,step_length_m,stride_length_m\n"
)
PATIENTS = "patient_id,center,sex,birth_year,onset_year,diagnosis_date\n"


@pytest.fixture
def clinician_of_a():
    a, b = CenterFactory(code="TST-A"), CenterFactory(code="TST-B")
    theirs = PatientFactory(patient_id="SYN-B1", center=b, birth_year=1972)
    VisitFactory(patient=theirs, visit_date=datetime.date(2021, 3, 4))
    return UserFactory(role=Role.CLINICIAN, centers=[a])


@pytest.fixture
def import_errors(tmp_path, write_files):
    """import_errors(user, {name: text}) -> the errors of a dry-run import by that user."""

    def errors(user, files: dict[str, str]) -> list[str]:
        report = registry_import(
            paths=[write_files(tmp_path, files)],
            dry_run=True,
            allowed_centers=import_scope(user),
            user=user,
        )
        return [str(error) for error in report.errors]

    return errors


def test_a_visit_of_another_centres_patient_reads_like_an_unknown_patient(
    clinician_of_a, import_errors
):
    rows = "".join(
        f"{pid},1960-01-01,RRMS,,,,\n{pid},2999-01-01,RRMS,,,,\n" for pid in ("SYN-B1", "SYN-NO")
    )
    errors = import_errors(clinician_of_a, {"visits.csv": VISITS + rows})
    assert errors == [
        "visits.csv:2: patient_id: 'SYN-B1' is not a patient of your centres",
        "visits.csv:3: patient_id: 'SYN-B1' is not a patient of your centres",
        "visits.csv:4: patient_id: 'SYN-NO' is not a patient of your centres",
        "visits.csv:5: patient_id: 'SYN-NO' is not a patient of your centres",
    ]
    assert not any("1972" in error for error in errors)


def test_gait_rows_do_not_tell_another_centres_visit_dates(clinician_of_a, import_errors):
    rows = "".join(
        f"SYN-B1,{day},comfortable,1.2,112,0.64,1.29\n"
        for day in ("2021-03-03", "2021-03-04", "2021-03-05")
    )
    errors = import_errors(clinician_of_a, {"gait.csv": GAIT + rows})
    assert errors == [
        f"gait.csv:{line}: patient_id: 'SYN-B1' is not a patient of your centres"
        for line in (2, 3, 4)
    ]


def test_another_centres_code_reads_like_a_code_that_does_not_exist(clinician_of_a, import_errors):
    rows = "SYN-A7,TST-B,F,1990,,\nSYN-A8,TST-NONE,F,1990,,\n"
    errors = import_errors(clinician_of_a, {"patients.csv": PATIENTS + rows})
    assert errors == [
        "patients.csv:2: center: 'TST-B' is not one of your centres",
        "patients.csv:3: center: 'TST-NONE' is not one of your centres",
    ]


def test_a_pseudonym_used_elsewhere_is_refused_without_anything_about_its_patient(
    clinician_of_a, import_errors
):
    # Pseudonyms are unique across the registry: this answer cannot be avoided, and it
    # runs no rule that would compare the row with the stored patient.
    rows = "SYN-B1,TST-A,F,1800,,\n"
    errors = import_errors(clinician_of_a, {"patients.csv": PATIENTS + rows})
    assert errors == [
        "patients.csv:2: patient_id: 'SYN-B1' is already used in the registry; choose another"
    ]


def test_a_superuser_still_hears_which_patient_does_not_exist(clinician_of_a, import_errors):
    root = UserFactory(role=Role.ADMIN, is_superuser=True)
    errors = import_errors(root, {"visits.csv": VISITS + "SYN-NO,2020-01-01,RRMS,,,,\n"})
    assert errors == ["visits.csv:2: patient_id: 'SYN-NO' is not an existing patient"]
