"""The whole record in a real browser: one-visit plots read as dates, the visit page and
the printable report; screenshots land in artifacts/screenshots/."""

import datetime
import re

import pytest

from registry.models import Role
from tests.factories import GaitSessionFactory, MriScanFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "synthetic-pass-123"


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


@pytest.fixture
def one_visit():
    walk = GaitSessionFactory(
        visit__patient__patient_id="SYN-B1", visit__visit_date=datetime.date(2024, 5, 14)
    )
    GaitSessionFactory(visit=walk.visit, condition="fast", velocity_m_s=1.4, swing_pct=47.0)
    patient = walk.visit.patient
    MriScanFactory(patient=patient, scan_date=datetime.date(2024, 6, 2))
    UserFactory(username="synthetic-reader", role=Role.RESEARCHER, centers=[patient.center])
    return walk.visit


def test_a_single_visit_is_one_dot_on_axes_of_dates_and_sensible_ranges(
    page, live_server, shot, one_visit
):
    _login(page, live_server, "synthetic-reader")
    page.goto(f"{live_server.url}/patients/SYN-B1/")
    for i in range(4):
        page.wait_for_selector(f"#patient-plot-{i} svg.main-svg")
    ticks = page.eval_on_selector_all(
        "#patient-plot-0 .xtick text", "els => els.map(e => e.textContent)"
    )
    assert ticks and all(":" not in t and "." not in t for t in ticks), ticks
    assert any(t.startswith("2024") for t in ticks), ticks
    bpf = page.evaluate("document.getElementById('patient-plot-2').layout.yaxis.range")
    assert 0.75 < bpf[0] < 0.83 < bpf[1] < 0.9, bpf
    edss = page.evaluate("document.getElementById('patient-plot-1').layout.yaxis.range")
    assert edss[0] >= 0 and edss[1] <= 10, edss
    shot(page, "patient-page-one-visit")


def test_a_german_page_writes_plot_dates_and_decimals_in_german(page, live_server, shot, one_visit):
    page.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    page.set_viewport_size({"width": 390, "height": 900})
    _login(page, live_server, "synthetic-reader")
    page.goto(f"{live_server.url}/patients/SYN-B1/")
    for i in range(4):
        page.wait_for_selector(f"#patient-plot-{i} svg.main-svg")
    months = page.eval_on_selector_all(
        "#patient-plot-0 .xtick text", "els => els.map(e => e.textContent)"
    )
    assert months and all(re.fullmatch(r"\d\d\.\d{4}", t) for t in months), months
    assert len(months) <= 5, months
    bpf = page.eval_on_selector_all(
        "#patient-plot-2 .ytick text", "els => els.map(e => e.textContent)"
    )
    assert bpf and all("," in t and "." not in t for t in bpf), bpf
    shot(page, "patient-page-one-visit-de-phone")


def test_a_researcher_opens_the_visit_page_and_the_report(page, live_server, shot, one_visit):
    _login(page, live_server, "synthetic-reader")
    page.goto(f"{live_server.url}/patients/SYN-B1/")
    page.click("table.data a:has-text('2024-05-14')")
    page.wait_for_selector("table.gait")
    body = page.inner_text("main")
    assert "Fast" in body and "Base of support (m)" in body and "2024-06-02" in body
    shot(page, "visit-page")
    page.set_viewport_size({"width": 390, "height": 800})
    shot(page, "visit-page-390")
    page.goto(f"{live_server.url}/patients/SYN-B1/report/")
    assert page.locator("svg.chart").count() == 4
    shot(page, "patient-report")


def test_a_clinician_acknowledges_a_flag_on_the_visit_page(page, live_server, shot, one_visit):
    UserFactory(
        username="synthetic-clinician-ack",
        role=Role.CLINICIAN,
        centers=[one_visit.patient.center],
    )
    _login(page, live_server, "synthetic-clinician-ack")
    page.goto(f"{live_server.url}/patients/SYN-B1/visits/{one_visit.pk}/")
    assert "Swing and stance do not add up to 100 %" in page.inner_text("main")
    page.fill("form.ack input[name=note]", "value confirmed on the walkway printout")
    page.click("form.ack button[type=submit]")
    page.wait_for_selector(".flag-item.acknowledged")
    assert "value confirmed on the walkway printout" in page.inner_text(".flag-item.acknowledged")
    shot(page, "visit-page-flag-acknowledged")
