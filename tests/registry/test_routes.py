"""Routes that must stay reachable whatever the order of the URL includes."""

import pytest
from django.urls import reverse

from registry.models import Role
from tests.factories import CenterFactory, GaitSessionFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_patient_whose_pseudonym_is_new_has_a_page(client):
    """`new` is a valid pseudonym; its page used to be the "add a patient" form."""
    center = CenterFactory(code="TST-A")
    PatientFactory(patient_id="new", center=center, birth_year=1977)
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[center]))
    page = client.get("/patients/new/")
    assert page.status_code == 200
    assert page.context["patient"].patient_id == "new"
    assert client.get(reverse("patient-new")).context["form"].__class__.__name__ == "PatientForm"


def test_a_researcher_without_staff_status_reads_pages_api_and_exports(client):
    """Researchers read through the pages and the API: none of it needs the admin."""
    walk = GaitSessionFactory(visit__patient__patient_id="SYN-R1")
    researcher = UserFactory(
        role=Role.RESEARCHER, is_staff=False, centers=[walk.visit.patient.center]
    )
    client.force_login(researcher)
    for url in (
        "/",
        "/patients/",
        "/patients/SYN-R1/",
        "/phenotypes/",
        "/exports/deidentified/",
        "/api/v1/patients/",
        "/api/v1/gait-sessions/",
        "/api/v1/runs/",
        "/api/v1/assignments/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/").status_code == 302  # to the admin's login


def test_no_fixed_address_under_patients_hides_a_pseudonym():
    """Whatever the include order, /patients/<word>/ is the patient page for every word
    that is a valid pseudonym: no other page may take such an address."""
    import re

    from django.urls import resolve

    from tests.routes import all_routes

    taken = set()
    for _name, text, _arguments in all_routes():
        match = re.match(r"^\^?patients/([A-Za-z0-9_-]{3,32})/", text)
        if match:
            taken.add(match.group(1))
    for word in taken | {"new", "add", "report"}:
        assert resolve(f"/patients/{word}/").url_name == "patient-detail", word
