"""The import race: a patient that another centre creates while an import validates is
not taken over at write time; the whole import is refused and rolled back (the
PostgreSQL COPY path and the ORM path of the embedded default)."""

import threading

import pytest
from django.db import connection, connections

from registry.importing.service import ImportConflict, registry_import
from registry.models import Patient, Visit
from tests.factories import CenterFactory, PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)

FILES = {
    "patients.csv": "patient_id,center,sex,birth_year,onset_year,diagnosis_date\n"
    "SYN-R0,TST-A,F,1981,,\nSYN-R1,TST-A,F,1979,,\n",
    "visits.csv": "patient_id,visit_date,disease_course,edss,msws12,t25fw_s,walking_aid\n"
    "SYN-R0,2022-01-03,RRMS,1.0,,,none\nSYN-R1,2022-01-03,RRMS,2.0,,,none\n",
}


def _files(tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    return [tmp_path / name for name in FILES]


def _meanwhile_centre_b_creates(patient_id: str):
    """A progress callback that, when the writing stage starts (validation is over),
    lets another session create the patient in centre B and commit."""

    def progress(stage, done, total):
        if stage == "writing" and done == 0:

            def other_session():
                try:
                    PatientFactory(patient_id=patient_id, center=CenterFactory(code="TST-B"))
                finally:
                    connections.close_all()

            thread = threading.Thread(target=other_session)
            thread.start()
            thread.join()

    return progress


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_a_patient_created_by_another_centre_during_validation_is_not_taken_over(
    tmp_path, backend, request
):
    if backend == "postgresql":
        request.getfixturevalue("on_postgres")
    elif connection.vendor != "sqlite":
        pytest.skip("the ORM path runs on the embedded SQLite default")
    CenterFactory(code="TST-A")
    with pytest.raises(ImportConflict) as raised:
        registry_import(
            paths=_files(tmp_path),
            allowed_centers={"TST-A"},
            progress=_meanwhile_centre_b_creates("SYN-R1"),
        )
    assert str(raised.value).startswith("patients.csv:3: patient_id: 'SYN-R1' is not a patient")
    assert "nothing was imported" in str(raised.value)
    theirs = Patient.objects.get(patient_id="SYN-R1")
    assert (theirs.center.code, theirs.birth_year) == ("TST-B", 1980)
    assert not Patient.objects.filter(patient_id="SYN-R0").exists()  # rolled back
    assert not Visit.objects.exists()
