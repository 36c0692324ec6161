"""The admin speaks the page's language: app names, model names and column headers."""

import pytest
from django.urls import reverse

from tests.factories import PublishedRunFactory, UserFactory, VisitFactory

pytestmark = pytest.mark.django_db

GERMAN = "de-DE,de;q=0.9"


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_the_german_admin_index_lists_german_model_and_app_names(superuser_client):
    html = superuser_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=GERMAN)
    html = html.content.decode()
    assert "Verwaltung des Registers" in html and "Registry administration" not in html
    for german in (
        "Kohortenregister",
        "Phänotyp-Analysen",
        "Zentren",
        "Patienten",
        "Visiten",
        "Gangmessungen",
        "MRT-Untersuchungen",
        "Importe",
        "Analyseläufe",
        "Phänotyp-Zuordnungen",
        "API-Tokens",
        "Anmeldeversuche und Sperren",
    ):
        assert f">{german}<" in html, german
    for english in (
        "Cohort registry",
        "Phenotype analytics",
        "Patients",
        "MRI scans",
        "Centres",
        "Auth Token",
        "Axes",
    ):
        assert f">{english}<" not in html, english


def test_the_english_admin_index_keeps_one_spelling(superuser_client):
    html = superuser_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for english in ("Cohort registry", "Centres", "Patients", "MRI scans", "Gait sessions"):
        assert f">{english}<" in html, english


def test_german_change_lists_name_their_columns_in_german(superuser_client):
    VisitFactory()
    PublishedRunFactory()
    visits = superuser_client.get(
        reverse("admin:registry_visit_changelist"), HTTP_ACCEPT_LANGUAGE=GERMAN
    ).content.decode()
    assert "Alter bei der Visite (Jahre)" in visits and "progredient" in visits
    assert ">Patient<" in visits
    patients = superuser_client.get(
        reverse("admin:registry_patient_changelist"), HTTP_ACCEPT_LANGUAGE=GERMAN
    ).content.decode()
    assert "Zentrum" in patients and "Visiten" in patients
    runs = superuser_client.get(
        reverse("admin:analytics_clusteringrun_changelist"), HTTP_ACCEPT_LANGUAGE=GERMAN
    ).content.decode()
    assert "Kohortengröße" in runs and "Merkmalssatz" in runs and "cohort size" not in runs


def test_the_german_assignment_list_names_runs_and_phenotypes_in_german(superuser_client):
    from tests.factories import ARCHETYPES, GaitSessionFactory, _archetype_walk

    GaitSessionFactory(visit__patient__patient_id="SYN-AD1", **_archetype_walk(*ARCHETYPES[1][1:]))
    run = PublishedRunFactory()
    html = superuser_client.get(
        reverse("admin:analytics_phenotypeassignment_changelist"), HTTP_ACCEPT_LANGUAGE=GERMAN
    ).content.decode()
    assert f"Lauf {run.pk} (Erfolgreich)" in html and "1 schnell, stabil" in html
    english = superuser_client.get(
        reverse("admin:analytics_phenotypeassignment_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f"run {run.pk} (Succeeded)" in english and "1 faster stable" in english


def test_the_german_run_page_names_every_field_in_german(superuser_client):
    run = PublishedRunFactory()
    html = superuser_client.get(
        reverse("admin:analytics_clusteringrun_change", args=[run.pk]),
        HTTP_ACCEPT_LANGUAGE=GERMAN,
    ).content.decode()
    for german in (
        "Wahl von k",
        "Fingerabdruck der Eingabe",
        "Bootstrap-Stichproben",
        "MRT-Fenster (Tage)",
        "Vorverarbeitung",
    ):
        assert german in html, german
    for english in (
        "K selection",
        "Input fingerprint",
        "Bootstrap:",
        "Mri window days",
        "Heartbeat at",
    ):
        assert english not in html, english
