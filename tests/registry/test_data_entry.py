"""Data entry pages: who may write, messages naming the range, flags after saving."""

import pytest
from django.urls import reverse

from registry.models import GaitSession, Patient, Role, Visit
from tests.factories import VISIT_FORM as VISIT
from tests.factories import CenterFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    return PatientFactory(patient_id="SYN-E1", center=CenterFactory(code="TST-E"))


def _url(patient):
    return reverse("visit-new", args=[patient.patient_id])


def test_clinician_adds_a_visit_with_gait_and_sees_it_on_the_patient_page(client, patient):
    user = UserFactory(role=Role.CLINICIAN, centers=[patient.center])
    client.force_login(user)
    response = client.post(_url(patient), VISIT, follow=True)
    assert response.status_code == 200
    assert b"2024-02-03" in response.content and b"1.1" in response.content
    visit = Visit.objects.get(patient=patient)
    assert visit.gait_sessions.get().velocity_m_s == 1.1
    assert visit.history.get().history_user == user


def test_out_of_range_values_are_shown_next_to_the_field_with_the_range(client, patient):
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[patient.center]))
    data = {**VISIT, "edss": "0.5", "gait-0-velocity_m_s": "0"}
    response = client.post(_url(patient), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "0.5 does not exist" in html
    assert "Velocity (m/s) = 0 is outside the allowed range 0.05 … 3 m/s." in html
    assert "velocity_m_s" not in html.split("<form")[0]
    assert not Visit.objects.exists()


def test_inconsistent_gait_is_saved_and_warned_about(client, patient):
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[patient.center]))
    data = {**VISIT, "gait-0-swing_pct": "45", "gait-0-stance_pct": "62"}
    response = client.post(_url(patient), data, follow=True)
    assert "Data-quality flag on gait (comfortable)" in response.content.decode()
    assert GaitSession.objects.get().quality_flags[0]["rule"] == "swing_stance_sum"


def test_researchers_get_403_and_see_no_edit_controls(client, patient):
    client.force_login(UserFactory(role=Role.RESEARCHER, centers=[patient.center]))
    assert client.get(_url(patient)).status_code == 403
    assert client.post(_url(patient), VISIT).status_code == 403
    assert client.get(reverse("patient-new")).status_code == 403
    page = client.get(reverse("patient-detail", args=[patient.patient_id])).content
    assert b"Add visit" not in page
    assert not Visit.objects.exists()


def test_another_centres_patient_is_404_for_a_clinician(client, patient):
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[CenterFactory(code="TST-X")]))
    assert client.get(_url(patient)).status_code == 404


def test_clinician_creates_a_patient_in_their_centre_only(client):
    mine, other = CenterFactory(code="TST-M"), CenterFactory(code="TST-O")
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[mine]))
    data = {"patient_id": "SYN-NEW", "center": mine.pk, "sex": "F", "birth_year": "1985"}
    assert client.post(reverse("patient-new"), data).status_code == 302
    assert Patient.objects.get(patient_id="SYN-NEW").center == mine
    refused = client.post(
        reverse("patient-new"), {**data, "patient_id": "SYN-NO", "center": other.pk}
    )
    assert refused.status_code == 200  # the other centre is not offered: a form error
    assert not Patient.objects.filter(patient_id="SYN-NO").exists()


def test_clinician_edits_a_visit(client, patient):
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[patient.center]))
    client.post(_url(patient), VISIT)
    visit = Visit.objects.get()
    walk = visit.gait_sessions.get()
    data = {
        **VISIT,
        "edss": "3.0",
        "gait-TOTAL_FORMS": "1",
        "gait-INITIAL_FORMS": "1",
        "gait-0-id": str(walk.pk),
        "gait-0-visit": str(visit.pk),
    }
    response = client.post(reverse("visit-edit", args=[patient.patient_id, visit.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    visit.refresh_from_db()
    assert visit.edss == 3.0 and visit.gait_sessions.count() == 1
