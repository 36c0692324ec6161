"""REST API: token authentication, role and centre scoping, model validation as 400."""

import json
import re
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from registry.models import Role, Visit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    out = StringIO()
    call_command("drf_create_token", user.username, stdout=out)
    token = out.getvalue().split()[2]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_anonymous_requests_are_refused():
    assert APIClient().get("/api/v1/patients/").status_code == 401


def test_a_clinician_lists_only_their_centre_and_gets_404_for_another(world):
    a = world["A"].center
    api = _client(UserFactory(role=Role.CLINICIAN, centers=[a]))
    body = api.get("/api/v1/patients/").json()
    assert [p["patient_id"] for p in body["results"]] == ["SYN-A1"]
    assert api.get("/api/v1/patients/SYN-B1/").status_code == 404
    other_visit = Visit.objects.get(patient__patient_id="SYN-B1")
    assert api.get(f"/api/v1/visits/{other_visit.pk}/").status_code == 404


def test_a_clinician_creates_and_updates_a_visit(world):
    a = world["A"].center
    api = _client(UserFactory(role=Role.CLINICIAN, centers=[a]))
    data = {"patient": "SYN-A1", "visit_date": "2024-06-01", "disease_course": "RRMS", "edss": 2.5}
    created = api.post("/api/v1/visits/", data, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["age_years"] == 44
    visit_id = created.json()["id"]
    patched = api.patch(f"/api/v1/visits/{visit_id}/", {"edss": 3.0}, format="json")
    assert patched.status_code == 200 and patched.json()["edss"] == 3.0


def test_out_of_range_values_come_back_as_400_naming_field_and_range(world):
    a = world["A"].center
    api = _client(UserFactory(role=Role.CLINICIAN, centers=[a]))
    bad = {"patient": "SYN-A1", "visit_date": "2024-06-01", "disease_course": "XX", "edss": 0.5}
    response = api.post("/api/v1/visits/", bad, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert "0.5 does not exist" in " ".join(errors["edss"])
    early = {"patient": "SYN-A1", "visit_date": "1975-01-01", "disease_course": "RRMS"}
    errors = api.post("/api/v1/visits/", early, format="json").json()
    assert "before the patient's birth year 1980" in " ".join(errors["visit_date"])


def test_a_clinician_cannot_write_into_another_centre(world):
    a = world["A"].center
    api = _client(UserFactory(role=Role.CLINICIAN, centers=[a]))
    # Another centre's patient reads like one that does not exist.
    data = {"patient": "SYN-B1", "visit_date": "2024-06-01", "disease_course": "RRMS"}
    response = api.post("/api/v1/visits/", data, format="json")
    assert response.status_code == 400
    assert response.json()["patient"] == ["patient = 'SYN-B1' is not a patient of your centres."]
    # Another centre's code answers exactly like a code that does not exist.
    for code in ("TST-B", "TST-NONE"):
        patient = {"patient_id": "SYN-NEW", "center": code, "sex": "F", "birth_year": 1990}
        response = api.post("/api/v1/patients/", patient, format="json")
        assert response.status_code == 400
        assert response.json() == {"center": [f"center = '{code}' is not one of your centres."]}


def test_a_researcher_reads_but_cannot_write(world):
    a = world["A"].center
    api = _client(UserFactory(role=Role.RESEARCHER, centers=[a]))
    assert api.get("/api/v1/gait-sessions/").json()["count"] == 1
    data = {"patient": "SYN-A1", "visit_date": "2024-06-01", "disease_course": "RRMS"}
    assert api.post("/api/v1/visits/", data, format="json").status_code == 403
    assert api.delete("/api/v1/patients/SYN-A1/").status_code == 403


def test_filters_narrow_the_lists(world):
    api = _client(UserFactory(role=Role.RESEARCHER, is_superuser=True))
    assert api.get("/api/v1/patients/", {"center": "TST-B"}).json()["count"] == 1
    assert api.get("/api/v1/visits/", {"patient": "SYN-A1"}).json()["count"] == 1


def test_the_served_schema_is_valid_openapi_3(client):
    client.force_login(UserFactory())
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # against the OpenAPI 3 specification's own JSON schema
    assert {"/api/v1/patients/", "/api/v1/assignments/{id}/"} <= set(schema["paths"])
    velocity = schema["components"]["schemas"]["GaitSession"]["properties"]["velocity_m_s"]
    assert (velocity["minimum"], velocity["maximum"]) == (0.05, 3.0)


def test_the_docs_page_loads_every_asset_from_this_server(client):
    client.force_login(UserFactory())
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any("swagger-ui-bundle.js" in url for url in assets)
    for url in assets:
        if url.startswith("/api/docs/?script"):
            # The page's start-up script, from this server (not inline, for the CSP).
            script = client.get(url)
            assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
            continue
        # Clinic networks are closed: no CDN, and every file ships with the app.
        assert url.startswith(settings.STATIC_URL), url
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url


def test_the_schema_generates_without_warnings_and_validates():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/v1/gait-sessions/{id}/" in out.getvalue()
