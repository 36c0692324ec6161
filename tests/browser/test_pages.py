"""Clinician and researcher journeys in a real browser; screenshots land in
artifacts/screenshots/ for people to look at."""

import pytest

from analytics import services
from registry.demo.seeding import demo_cohort_seed
from registry.models import Patient, Role
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "synthetic-pass-123"


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_clinician_adds_a_visit_and_sees_it_on_the_patient_page(page, live_server, shot):
    demo_cohort_seed(n_patients=60, seed=5)
    patient = Patient.objects.order_by("patient_id").first()
    UserFactory(username="synthetic-clinician", role=Role.CLINICIAN, centers=[patient.center])
    _login(page, live_server, "synthetic-clinician")
    page.goto(f"{live_server.url}/patients/")
    shot(page, "patient-list")
    page.click(f"text={patient.patient_id}")
    page.click("text=Add visit")
    page.fill("#id_visit_date", "2025-10-01")
    page.select_option("#id_disease_course", "RRMS")
    page.fill("#id_edss", "3.5")
    page.fill("#id_gait-0-velocity_m_s", "0.97")
    page.fill("#id_gait-0-cadence_steps_min", "104")
    page.fill("#id_gait-0-step_length_m", "0.56")
    page.fill("#id_gait-0-stride_length_m", "1.12")
    shot(page, "visit-form")
    page.click("text=Save visit")
    # Saving shows the visit's own page, then the patient page lists it.
    page.wait_for_url(f"**/patients/{patient.patient_id}/visits/*/")
    assert "0.97" in page.inner_text("main")
    page.goto(f"{live_server.url}/patients/{patient.patient_id}/")
    body = page.inner_text("main")
    assert "2025-10-01" in body and "0.97" in body
    page.wait_for_selector("#patient-plot-0 svg.main-svg")
    shot(page, "patient-page")


def test_researcher_sees_four_phenotypes_plots_and_the_comparison_table(page, live_server, shot):
    demo_cohort_seed(n_patients=400, seed=42)
    run = services.clustering_run_request(trigger="command", bootstrap=10, sync=True)
    assert run.status == "succeeded", run.error
    centers = list({p.center for p in Patient.objects.select_related("center")})
    UserFactory(username="synthetic-researcher", role=Role.RESEARCHER, centers=centers)
    _login(page, live_server, "synthetic-researcher")
    page.goto(f"{live_server.url}/phenotypes/")
    assert page.locator(".phenotype-card").count() == 4
    page.wait_for_selector("#pca-plot svg.main-svg")
    page.wait_for_selector("#profile-plot svg.main-svg")
    assert page.locator("#pca-plot .scatterlayer .point").count() > 100
    assert page.locator("table.comparison tbody tr").count() >= 20
    assert "Kruskal" in page.inner_text("table.comparison")
    shot(page, "phenotype-dashboard")
