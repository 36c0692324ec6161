"""Bad input at any door is a clear 4xx or a report line naming file, line and problem,
never a 500 with raw exception text."""

from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.importing.service import registry_import
from registry.models import Patient, Role
from tests.factories import CenterFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

PATIENTS_HEADER = "patient_id,center,sex,birth_year,onset_year,diagnosis_date\n"


@pytest.fixture
def researcher(client):
    user = UserFactory(role=Role.RESEARCHER, centers=[CenterFactory(code="TST-BAD")])
    client.force_login(user)
    return user


@pytest.mark.parametrize("query", [{"run": "abc"}, {"compare": "abc"}, {"run": "-1"}])
def test_a_run_parameter_that_is_not_a_number_is_a_400_naming_it(client, researcher, query):
    response = client.get(reverse("phenotype-dashboard"), query)
    assert response.status_code == 400
    name, value = next(iter(query.items()))
    assert f"{name} = '{value}' is not a run number" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/patients/?q=SYN%00", "/patients/?center=%00", "/patients/SYN-%00/", "/api/v1/patients/%00/"],
)
def test_a_nul_byte_in_an_address_is_a_400_saying_so(client, researcher, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL byte" in response.content.decode()


def test_deeply_nested_json_to_the_api_is_a_400():
    clinician = UserFactory(role=Role.CLINICIAN, centers=[CenterFactory(code="TST-BAD")])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clinician).key}")
    body = "[" * 100_000 + "]" * 100_000
    response = api.post("/api/v1/visits/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def _patients_file(folder: Path, data: bytes) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "patients.csv").write_bytes(data)
    return folder


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            "SYN-U1,TST-BAD,F,1980,,\nSYN-Ü2,TST-BAD,M,1975,,\n".encode("latin-1"),
            "patients.csv:3: -: byte 0xDC at character 5 is not UTF-8",
        ),
        (
            b"SYN-U1,TST-BAD,F,1980,,\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n",
            "patients.csv:3: -: byte 0x89 at character 1",
        ),
        (b"SYN-U1,TST-BAD,F,19\x0080,,\n", "patients.csv:2: -: a NUL byte at character 20"),
        (
            b"SYN-U1,TST-BAD,F,1980,," + b"x" * 1_000_000 + b"\n",
            "patients.csv:2: -: a cell of 1000000 characters; at most 131072 are allowed",
        ),
    ],
    ids=["latin-1", "binary", "nul-in-a-cell", "1-MB-cell"],
)
def test_an_unreadable_file_is_reported_with_file_line_and_problem(tmp_path, rows, expected):
    CenterFactory(code="TST-BAD")
    PatientFactory(patient_id="SYN-U0", center__code="TST-BAD")
    folder = _patients_file(tmp_path / "in", PATIENTS_HEADER.encode() + rows)
    report = registry_import(paths=[folder])
    assert not report.ok
    assert str(report.errors[0]).startswith(expected), report.lines()
    assert list(Patient.objects.values_list("patient_id", flat=True)) == ["SYN-U0"]
