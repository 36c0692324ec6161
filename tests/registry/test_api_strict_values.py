"""The API reads numbers and dates as strictly as the importer: `true` is not a number,
and a date is YYYY-MM-DD, zero-padded."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.models import Role, Visit
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    patient = PatientFactory(patient_id="SYN-S1", center__code="TST-S", birth_year=1980)
    client = APIClient()
    user = UserFactory(role=Role.CLINICIAN, centers=[patient.center])
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


VISIT = {"patient": "SYN-S1", "visit_date": "2024-06-01", "disease_course": "RRMS", "edss": 2.5}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("edss", True, "edss = true is not a number."),
        ("msws12", False, "msws12 = false is not a number."),
        ("visit_date", "2024-6-1", "visit_date = '2024-6-1' is not a date in ISO 8601 form"),
        ("visit_date", "20240601", "visit_date = '20240601' is not a date in ISO 8601 form"),
        ("visit_date", 20240601, "visit_date = 20240601 is not a date; write YYYY-MM-DD."),
    ],
)
def test_a_boolean_number_or_a_loose_date_is_a_400_naming_it(api, field, value, message):
    response = api.post("/api/v1/visits/", {**VISIT, field: value}, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Visit.objects.exists()


def test_a_strict_visit_is_still_accepted(api):
    response = api.post("/api/v1/visits/", VISIT, format="json")
    assert response.status_code == 201, response.json()
    assert Visit.objects.get().visit_date.isoformat() == "2024-06-01"
