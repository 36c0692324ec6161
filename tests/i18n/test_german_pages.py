"""English leftovers found on German pages: each now reads in German."""

import pytest
from django.urls import reverse

from registry.models import Role
from tests.factories import CenterFactory, GaitSessionFactory, UserFactory

pytestmark = pytest.mark.django_db

GERMAN = "de-DE,de;q=0.9"


@pytest.fixture
def clinician(client):
    center = CenterFactory(code="TST-G")
    GaitSessionFactory(visit__patient__center=center, visit__patient__patient_id="SYN-G1")
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[center]))
    return client


def test_the_import_form_labels_its_fields_in_german(clinician):
    html = clinician.get(reverse("import-new"), HTTP_ACCEPT_LANGUAGE=GERMAN).content.decode()
    assert "Nur prüfen (Probelauf)" in html and "Dateien" in html
    assert "Validate only" not in html and "write nothing" not in html


def test_the_patient_page_names_walk_conditions_by_label(clinician):
    url = reverse("patient-detail", args=["SYN-G1"])
    german = clinician.get(url, HTTP_ACCEPT_LANGUAGE=GERMAN).content.decode()
    assert "Angenehm (selbst gewähltes Tempo)" in german and ">comfortable<" not in german
    english = clinician.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Comfortable (self-selected speed)" in english


def test_the_runs_table_names_the_visit_choice_in_german(clinician):
    from tests.factories import PublishedRunFactory

    PublishedRunFactory()
    german = clinician.get(
        reverse("phenotype-dashboard"), HTTP_ACCEPT_LANGUAGE=GERMAN
    ).content.decode()
    assert "Letzte Visite je Patient" in german and ", latest, k" not in german
