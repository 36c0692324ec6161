"""English by default, German on request (browser preference or the header's switcher),
with dates and numbers in the chosen language's format."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import CenterFactory, PatientFactory, UserFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician_client(client):
    center = CenterFactory(code="TST-A")
    patient = PatientFactory(patient_id="SYN-L1", center=center)
    VisitFactory(patient=patient, visit_date=datetime.date(2024, 2, 3), edss=3.5)
    client.force_login(UserFactory(username="syn-clin", role="clinician", centers=[center]))
    return client


def test_pages_are_english_without_a_language_preference(clinician_client):
    html = clinician_client.get(reverse("patient-list")).content.decode()
    assert '<html lang="en">' in html
    assert "Patients" in html and "Patienten" not in html
    assert "2024-02-03" in html


def test_a_browser_asking_for_german_gets_german(clinician_client):
    html = clinician_client.get(
        reverse("patient-list"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5"
    ).content.decode()
    assert '<html lang="de">' in html
    assert "Patienten" in html and "Aktueller Phänotyp" in html


def test_the_switcher_sets_german_and_keeps_the_page(clinician_client):
    response = clinician_client.post(
        reverse("set_language"), {"language": "de", "next": "/patients/SYN-L1/"}
    )
    assert response.status_code == 302 and response["Location"] == "/patients/SYN-L1/"
    html = clinician_client.get("/patients/SYN-L1/").content.decode()
    assert "Visiten und Phänotyp-Verlauf" in html
    # Dates and decimals in German form.
    assert "03.02.2024" in html and "3,5" in html
    back = clinician_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert back.status_code == 302
    assert (
        "Visits and phenotype history" in clinician_client.get("/patients/SYN-L1/").content.decode()
    )


def test_the_login_page_offers_the_switcher_and_speaks_german(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'name="language" value="de"' in html and 'name="language" value="en"' in html
    assert "Melden Sie sich mit Ihrem Registerkonto an." in html


def test_statistics_use_the_decimal_mark_of_the_language():
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{% load numbers %}{{ x|sig }} {{ p|pvalue }}")
    context = Context({"x": 0.04321, "p": 0.0123})
    with translation.override("en"):
        assert template.render(context) == "0.0432 0.012"
    with translation.override("de"):
        assert template.render(context) == "0,0432 0,012"
