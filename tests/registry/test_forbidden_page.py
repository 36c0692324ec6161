"""A refused page says why and what to do, in the reader's language, with status 403."""

import pytest
from django.urls import reverse

from tests.factories import CenterFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher_client(client):
    center = CenterFactory(code="TST-F")
    PatientFactory(patient_id="SYN-F1", center=center)
    client.force_login(UserFactory(username="syn-reader", role="researcher", centers=[center]))
    return client


def test_a_researcher_adding_a_visit_gets_a_page_saying_why_and_what_to_do(researcher_client):
    response = researcher_client.get(reverse("visit-new", args=["SYN-F1"]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your role may read this patient but not edit it." in html
    assert "ask an administrator of your centre" in html
    assert 'class="top"' in html and reverse("home") in html  # the site's own layout


def test_the_refusal_is_in_german_for_a_german_reader(researcher_client):
    response = researcher_client.get(
        reverse("visit-new", args=["SYN-F1"]), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Nicht erlaubt" in html
    assert "Ihre Rolle darf diesen Patienten lesen, aber nicht bearbeiten." in html


def test_a_failed_csrf_check_says_nothing_was_saved(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Nothing was saved" in response.content.decode()
