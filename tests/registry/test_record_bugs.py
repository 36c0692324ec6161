"""Ordinary entry never answers 500, and messages speak in labels (issue: bugs 1, 5, 7,
8, 9). Each test failed before the fix it names."""

import datetime

import pytest
from django.urls import reverse

from registry.models import MriScan, Role, Visit
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    PatientFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

GAIT = {
    "gait-TOTAL_FORMS": "1",
    "gait-INITIAL_FORMS": "0",
    "gait-MIN_NUM_FORMS": "0",
    "gait-MAX_NUM_FORMS": "3",
    "gait-0-condition": "comfortable",
    "gait-0-velocity_m_s": "1.1",
    "gait-0-cadence_steps_min": "108",
    "gait-0-step_length_m": "0.61",
    "gait-0-stride_length_m": "1.22",
}


@pytest.fixture
def patient():
    return PatientFactory(patient_id="SYN-R1", center=CenterFactory(code="TST-R"))


@pytest.fixture
def clinician(client, patient):
    user = UserFactory(role=Role.CLINICIAN, centers=[patient.center])
    client.force_login(user)
    return user


def test_a_scan_date_the_patient_already_has_is_a_form_error_with_a_link(
    client, clinician, patient
):
    scan = MriScanFactory(patient=patient, scan_date=datetime.date(2023, 6, 1))
    data = {"visit_date": "2024-02-03", "disease_course": "RRMS", **GAIT}
    data.update({"mri-scan_date": "2023-06-01", "mri-brain_parenchymal_fraction": "0.8"})
    response = client.post(reverse("visit-new", args=[patient.patient_id]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "already has an MRI scan of 2023-06-01" in html
    assert f"#mri-{scan.pk}" in html
    assert not Visit.objects.exists()


def test_a_visit_date_the_patient_already_has_is_a_form_error_with_a_link(
    client, clinician, patient
):
    visit = VisitFactory(patient=patient, visit_date=datetime.date(2024, 2, 3))
    data = {"visit_date": "2024-02-03", "disease_course": "RRMS", **GAIT}
    response = client.post(reverse("visit-new", args=[patient.patient_id]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "already has a visit on 2024-02-03" in html
    assert reverse("visit-detail", args=[patient.patient_id, visit.pk]) in html
    assert Visit.objects.count() == 1


def test_the_visit_edit_page_shows_and_corrects_the_scan_it_saved(client, clinician, patient):
    data = {"visit_date": "2024-02-03", "disease_course": "RRMS", **GAIT}
    data.update({"mri-scan_date": "2024-02-10", "mri-brain_parenchymal_fraction": "0.8"})
    client.post(reverse("visit-new", args=[patient.patient_id]), data)
    visit = Visit.objects.get()
    walk = visit.gait_sessions.get()
    edit = reverse("visit-edit", args=[patient.patient_id, visit.pk])
    page = client.get(edit).content.decode()
    assert 'value="2024-02-10"' in page and 'value="0.8"' in page
    data.update(
        {
            "gait-INITIAL_FORMS": "1",
            "gait-0-id": str(walk.pk),
            "gait-0-visit": str(visit.pk),
            "mri-brain_parenchymal_fraction": "0.82",
        }
    )
    response = client.post(edit, data)
    assert response.status_code == 302
    scan = MriScan.objects.get()
    assert scan.brain_parenchymal_fraction == 0.82
    assert scan.history.first().history_user == clinician


def test_two_walks_of_one_condition_say_which_and_why(client, clinician, patient):
    data = {"visit_date": "2024-02-03", "disease_course": "RRMS", **GAIT, "gait-TOTAL_FORMS": "2"}
    data.update({k.replace("gait-0-", "gait-1-"): v for k, v in GAIT.items() if "-0-" in k})
    html = client.post(reverse("visit-new", args=[patient.patient_id]), data).content.decode()
    assert "Please correct the duplicate" not in html
    assert "at most one walk per condition" in html


def test_patient_messages_use_labels_and_a_bad_birth_year_is_no_bound(client, clinician, patient):
    data = {
        "patient_id": "SYN-R2",
        "center": patient.center.pk,
        "sex": "F",
        "birth_year": "1850",
        "diagnosis_date": "1860-01-01",
    }
    html = client.post(reverse("patient-new"), data).content.decode()
    assert "Birth year = 1850 is outside the allowed range 1900" in html
    assert "birth_year =" not in html
    assert "1850-01-01" not in html  # the bad birth year is not used as a bound


def test_flags_read_in_labels_and_units():
    walk = GaitSessionFactory(swing_pct=50.0, stance_pct=60.0)
    message = walk.quality_flags[0]["message"]
    assert message.startswith("Swing + stance = 110.0 % of the gait cycle")
    assert "_pct" not in message


def test_a_bad_edss_filter_says_so_instead_of_matching_nobody(client, clinician, patient):
    VisitFactory(patient=patient, edss=3.0)
    response = client.get(reverse("patient-list"), {"edss_min": "abc"})
    html = response.content.decode()
    assert "“abc” is not an EDSS value" in html
    assert "SYN-R1" in html  # the bad bound was left out, not applied as "nothing"
    reversed_range = client.get(reverse("patient-list"), {"edss_min": "6", "edss_max": "2"})
    assert "EDSS from 6 is above EDSS to 2" in reversed_range.content.decode()


def test_the_api_root_links_the_api_lists_not_the_pages(client, clinician):
    root = client.get("/api/v1/", HTTP_ACCEPT="application/json").json()
    assert root["patients"].endswith("/api/v1/patients/")
    assert root["visits"].endswith("/api/v1/visits/")


def test_the_schema_is_readable_in_a_browser_and_still_yaml_for_clients(client, clinician):
    page = client.get("/api/schema/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert page["Content-Type"].startswith("text/html")
    assert "openapi:" in page.content.decode()
    assert "attachment" not in page.get("Content-Disposition", "")
    plain = client.get("/api/schema/", HTTP_ACCEPT="*/*")
    assert plain["Content-Type"].startswith("application/vnd.oai.openapi")


def test_there_is_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")


def test_the_admin_spells_centre_and_mri_scan_one_way(client):
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert "Centres" in html and "Centers" not in html
    assert "MRI scans" in html and "Mri scans" not in html


def test_the_demo_cohort_carries_a_few_flags_on_walks_that_are_not_analysed():
    from registry.demo.generator import generate_demo_cohort
    from registry.quality import gait_flags, mri_flags

    cohort = generate_demo_cohort(n_patients=400, seed=3)
    walks = cohort.gait.to_dict("records")
    flagged = [w for w in walks if gait_flags(w)]
    scans = [s for s in cohort.mri.to_dict("records") if mri_flags(s)]
    assert 0 < len(flagged) < 0.02 * len(walks)
    assert all(w["condition"] == "fast" for w in flagged)
    assert 0 < len(scans) < 0.05 * len(cohort.mri)


def test_a_date_taken_between_the_check_and_the_save_is_a_form_error_not_a_500(
    client, clinician, patient, monkeypatch
):
    from registry.forms import VisitForm

    VisitFactory(patient=patient, visit_date=datetime.date(2024, 2, 3))
    # As if another user saved this date after the form's own check had passed.
    monkeypatch.setattr(VisitForm, "clean_visit_date", lambda self: self.cleaned_data["visit_date"])
    data = {"visit_date": "2024-02-03", "disease_course": "RRMS", **GAIT}
    response = client.post(reverse("visit-new", args=[patient.patient_id]), data)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Visit.objects.count() == 1


def test_every_form_of_the_visit_page_reports_its_errors_at_once(client, clinician, patient):
    data = {"visit_date": "", "disease_course": "RRMS", **GAIT, "gait-0-velocity_m_s": "9"}
    html = client.post(reverse("visit-new", args=[patient.patient_id]), data).content.decode()
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert "Visit date" in summary and "Velocity (m/s) = 9" in summary
