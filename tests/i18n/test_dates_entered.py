"""Dates are typed as the page's language writes them, whatever the phone's locale:
TT.MM.JJJJ on a German page (ISO accepted too), YYYY-MM-DD on an English one."""

import datetime

import pytest
from django.urls import reverse

from registry.models import Role, Visit
from tests.factories import VISIT_FORM as VISIT
from tests.factories import CenterFactory, PatientFactory, UserFactory, VisitFactory

pytestmark = pytest.mark.django_db

GERMAN = "de-DE,de;q=0.9"


@pytest.fixture
def patient(client):
    patient = PatientFactory(patient_id="SYN-D1", center=CenterFactory(code="TST-D"))
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[patient.center]))
    return patient


def _new(patient):
    return reverse("visit-new", args=[patient.patient_id])


def _date_input(html: str, name: str) -> str:
    start = html.index(f'name="{name}"')
    return html[html.rindex("<input", 0, start) : html.index(">", start) + 1]


def test_a_german_page_shows_dates_as_german_text_not_a_native_picker(client, patient):
    visit = VisitFactory(patient=patient, visit_date=datetime.date(2025, 10, 1))
    url = reverse("visit-edit", args=[patient.patient_id, visit.pk])
    field = _date_input(client.get(url, HTTP_ACCEPT_LANGUAGE=GERMAN).content.decode(), "visit_date")
    assert 'type="text"' in field and 'value="01.10.2025"' in field
    assert 'placeholder="TT.MM.JJJJ"' in field
    english = _date_input(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode(), "visit_date")
    assert 'type="text"' in english and 'value="2025-10-01"' in english
    assert 'placeholder="YYYY-MM-DD"' in english


@pytest.mark.parametrize("typed", ["03.02.2024", "3.2.2024", "2024-02-03"])
def test_a_german_page_accepts_german_and_iso_dates(client, patient, typed):
    response = client.post(
        _new(patient), {**VISIT, "visit_date": typed}, HTTP_ACCEPT_LANGUAGE=GERMAN
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Visit.objects.get(patient=patient).visit_date == datetime.date(2024, 2, 3)


def test_a_date_that_cannot_be_read_names_the_field_the_text_and_the_format(client, patient):
    german = client.post(
        _new(patient), {**VISIT, "visit_date": "31.02.2024"}, HTTP_ACCEPT_LANGUAGE=GERMAN
    ).content.decode()
    assert (
        "Visitendatum = „31.02.2024“ ist kein Datum; bitte als TT.MM.JJJJ eingeben "
        "(oder JJJJ-MM-TT)." in german
    )
    # A two-digit year is refused: it could be either century.
    short = client.post(
        _new(patient), {**VISIT, "visit_date": "03.02.24"}, HTTP_ACCEPT_LANGUAGE=GERMAN
    ).content.decode()
    assert "„03.02.24“ ist kein Datum" in short
    english = client.post(
        _new(patient), {**VISIT, "visit_date": "03.02.2024"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Visit date = “03.02.2024” is not a date; write it as YYYY-MM-DD." in english
    assert not Visit.objects.exists()


def test_the_same_day_clash_names_the_day_in_the_page_language(client, patient):
    VisitFactory(patient=patient, visit_date=datetime.date(2024, 2, 3))
    html = client.post(
        _new(patient), {**VISIT, "visit_date": "03.02.2024"}, HTTP_ACCEPT_LANGUAGE=GERMAN
    ).content.decode()
    assert "03.02.2024" in html and "2024-02-03" not in html.split("<form")[1]


def test_a_form_with_errors_shows_an_iso_date_back_in_the_page_format(client, patient):
    html = client.post(
        _new(patient),
        {**VISIT, "visit_date": "2024-02-03", "edss": "11"},
        HTTP_ACCEPT_LANGUAGE=GERMAN,
    ).content.decode()
    assert 'value="03.02.2024"' in _date_input(html, "visit_date")
    unreadable = client.post(
        _new(patient), {**VISIT, "visit_date": "3.13.2024"}, HTTP_ACCEPT_LANGUAGE=GERMAN
    ).content.decode()
    assert 'value="3.13.2024"' in _date_input(unreadable, "visit_date")
