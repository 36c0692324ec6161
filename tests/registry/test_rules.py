"""Each cross-field rule is stated once (`registry.rules`): the model (forms, API, admin)
and the importer refuse the same values with the same message."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from registry.importing.service import registry_import
from registry.labels import labelled
from registry.models import MriScan, Patient, Visit
from tests.factories import CenterFactory, PatientFactory

pytestmark = pytest.mark.django_db

PATIENTS = "patient_id,center,sex,birth_year,onset_year,diagnosis_date\n"
VISITS = "patient_id,visit_date,disease_course,edss,msws12,t25fw_s,walking_aid\n"
MRI = "patient_id,scan_date,field_strength_t\n"
NEXT_YEAR = datetime.date.today().year + 1


def _model_message(record) -> str:
    with pytest.raises(ValidationError) as raised:
        record.clean()  # the rule itself: full_clean adds the database constraint's twin
    (messages,) = list(raised.value.message_dict.values())
    return labelled(messages[0], type(record))


@pytest.fixture
def import_message(tmp_path, write_files):
    """import_message(file name, text) -> the one error a dry-run import of it reports."""

    def message(name: str, text: str) -> str:
        folder = tmp_path / name.removesuffix(".csv")
        folder.mkdir()
        (error,) = registry_import(paths=[write_files(folder, {name: text})], dry_run=True).errors
        return error.message

    return message


@pytest.mark.parametrize(
    ("values", "row"),
    [
        ({"birth_year": 1850}, "SYN-R1,TST-R,F,1850,,"),
        ({"birth_year": 1980, "onset_year": 1970}, "SYN-R1,TST-R,F,1980,1970,"),
        (
            {"birth_year": 1980, "diagnosis_date": datetime.date(1979, 12, 31)},
            "SYN-R1,TST-R,F,1980,,1979-12-31",
        ),
    ],
    ids=["birth-year-range", "onset-before-birth", "diagnosis-before-birth"],
)
def test_a_patient_rule_has_one_message_at_every_door(values, row, import_message):
    center = CenterFactory(code="TST-R")
    patient = Patient(patient_id="SYN-R1", center=center, sex="F", **values)
    assert _model_message(patient) == import_message("patients.csv", PATIENTS + row)


def test_the_birth_year_range_starts_at_the_registrys_minimum_everywhere(import_message):
    # The importer used to hard-code 1900 with its own wording.
    CenterFactory(code="TST-R")
    message = import_message("patients.csv", PATIENTS + "SYN-R1,TST-R,F,1899,,")
    assert message.startswith("Birth year = 1899 is outside the allowed range 1900 … ")


def test_a_visit_and_a_scan_date_rule_has_one_message_at_every_door(import_message):
    patient = PatientFactory(patient_id="SYN-R1", birth_year=1980)
    early = Visit(patient=patient, visit_date=datetime.date(1970, 5, 1), disease_course="RRMS")
    row = "SYN-R1,1970-05-01,RRMS,,,,"
    assert _model_message(early) == import_message("visits.csv", VISITS + row)
    future = MriScan(patient=patient, scan_date=datetime.date(NEXT_YEAR, 1, 2))
    row = f"SYN-R1,{NEXT_YEAR}-01-02,3.0"
    assert _model_message(future) == import_message("mri.csv", MRI + row)
