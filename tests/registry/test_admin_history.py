"""The admin's audit history is for reading only, and only of records the user may read.

It used to offer django-simple-history's revert form to anyone who could view the
record: a researcher POSTed a whole patient there and it was saved, and clinicians
renamed a centre (code included) the same way."""

import pytest
from django.urls import reverse

from registry.models import Center, Patient, Role
from tests.factories import CenterFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient_with_history():
    a = CenterFactory(code="TST-A")
    CenterFactory(code="TST-B")
    patient = PatientFactory(patient_id="SYN-A1", center=a, birth_year=1980)
    patient.birth_year = 1981
    patient.save()
    return patient


def _revert_url(obj) -> str:
    meta = obj._meta
    version = obj.history.earliest()
    return reverse(
        f"admin:{meta.app_label}_{meta.model_name}_simple_history",
        args=[obj.pk, version.history_id],
    )


def _patient_form(patient, **changes) -> dict:
    return {
        "patient_id": patient.patient_id,
        "center": patient.center_id,
        "sex": patient.sex,
        "birth_year": patient.birth_year,
        "onset_year": patient.onset_year or "",
        "diagnosis_date": patient.diagnosis_date.isoformat() if patient.diagnosis_date else "",
        "visits-TOTAL_FORMS": "0",
        "visits-INITIAL_FORMS": "0",
        "mri_scans-TOTAL_FORMS": "0",
        "mri_scans-INITIAL_FORMS": "0",
        **changes,
    }


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.CLINICIAN, Role.ADMIN])
def test_posting_the_history_revert_form_changes_nothing(client, patient_with_history, role):
    patient = patient_with_history
    client.force_login(UserFactory(role=role, centers=[patient.center]))
    response = client.post(
        _revert_url(patient), _patient_form(patient, patient_id="SYN-A1-X", birth_year=1950)
    )
    assert response.status_code == 405
    patient.refresh_from_db()
    assert (patient.patient_id, patient.birth_year) == ("SYN-A1", 1981)


def test_a_superuser_cannot_revert_either_but_reads_the_old_version(client, patient_with_history):
    patient = patient_with_history
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    page = client.get(_revert_url(patient))
    assert page.status_code == 200
    assert b"1980" in page.content  # the old value, shown
    assert b'name="_save"' not in page.content  # no revert button
    assert client.post(_revert_url(patient), _patient_form(patient)).status_code == 405


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.CLINICIAN])
def test_a_centre_cannot_be_renamed_through_its_history(client, role):
    center = CenterFactory(code="TST-A", name="Before")
    center.name = "After"
    center.save()
    client.force_login(UserFactory(role=role, centers=[center]))
    response = client.post(_revert_url(center), {"code": "TST-HIJACK", "name": "Renamed"})
    assert response.status_code == 405
    center.refresh_from_db()
    assert (center.code, center.name) == ("TST-A", "After")


def test_another_centres_history_is_a_404_like_a_record_that_does_not_exist(
    client, patient_with_history
):
    theirs = PatientFactory(patient_id="SYN-B1", center=Center.objects.get(code="TST-B"))
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[patient_with_history.center]))
    history = reverse("admin:registry_patient_history", args=[theirs.pk])
    missing = reverse("admin:registry_patient_history", args=[987654])
    assert client.get(history).status_code == client.get(missing).status_code == 404
    version = reverse(
        "admin:registry_patient_simple_history",
        args=[theirs.pk, theirs.history.earliest().history_id],
    )
    assert client.get(version).status_code == 404


def test_the_history_of_a_visible_record_still_reads(client, patient_with_history):
    patient = patient_with_history
    client.force_login(UserFactory(role=Role.RESEARCHER, centers=[patient.center]))
    history = reverse("admin:registry_patient_history", args=[patient.pk])
    assert client.get(history).status_code == 200
    assert client.get(_revert_url(patient)).status_code == 200


def test_an_admin_save_goes_through_the_service_with_the_acting_user(client, patient_with_history):
    patient = patient_with_history
    clinician = UserFactory(role=Role.CLINICIAN, centers=[patient.center])
    client.force_login(clinician)
    url = reverse("admin:registry_patient_change", args=[patient.pk])
    # The service runs the model's rules: an onset before birth is refused...
    bad = client.post(url, _patient_form(patient, onset_year=1970))
    assert bad.status_code == 200 and b"onset_year = 1970" in bad.content
    # ... and a good change is saved with the clinician in the history.
    assert client.post(url, _patient_form(patient, onset_year=2001)).status_code == 302
    patient.refresh_from_db()
    assert patient.onset_year == 2001
    assert patient.history.latest().history_user == clinician
    assert Patient.objects.count() == 1
