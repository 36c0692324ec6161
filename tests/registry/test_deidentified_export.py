"""The de-identified research export: random codes, one date shift per patient, valid
interchange files, centre scoping, the command flag and the ZIP download."""

import csv
import datetime
import io
import zipfile
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from registry.exporting import MAX_SHIFT_DAYS, registry_export, registry_export_deidentified
from registry.importing.service import registry_import
from registry.models import GaitSession, MriScan, Patient, Role, Visit
from registry.models.temporal import today
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    PatientFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

KINDS = ("centers", "patients", "visits", "gait", "mri")
DATE_COLUMN = {"visits": "visit_date", "gait": "visit_date", "mri": "scan_date"}


def _read(folder: Path, kind: str) -> list[dict]:
    with (folder / f"{kind}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _by_patient(folder: Path) -> dict[str, dict[str, list[dict]]]:
    """patient_id -> kind -> rows (in date order), over patients, visits, gait, mri."""
    patients = defaultdict(lambda: defaultdict(list))
    for kind in ("patients", "visits", "gait", "mri"):
        for row in _read(folder, kind):
            patients[row["patient_id"]][kind].append(row)
    for rows in patients.values():
        rows["gait"].sort(key=lambda r: (r["visit_date"], r["condition"]))
        for kind in ("visits", "mri"):
            rows[kind].sort(key=lambda r: r[DATE_COLUMN[kind]])
    return patients


def _content_key(rows: dict[str, list[dict]]) -> tuple:
    """What identifies a patient's record without its pseudonym and dates."""

    def strip(row):
        return tuple(
            v
            for k, v in sorted(row.items())
            if k not in {"patient_id", *DATE_COLUMN.values(), "diagnosis_date"}
        )

    return tuple(
        tuple(strip(r) for r in rows[kind]) for kind in ("patients", "visits", "gait", "mri")
    )


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _offsets(plain: dict[str, list[dict]], shifted: dict[str, list[dict]]) -> set[int]:
    found = set()
    for kind, column in (("patients", "diagnosis_date"), *DATE_COLUMN.items()):
        assert len(plain[kind]) == len(shifted[kind]), kind
        for before, after in zip(plain[kind], shifted[kind], strict=True):
            if before[column] or after[column]:
                found.add((_day(after[column]) - _day(before[column])).days)
    return found


@pytest.fixture
def demo():
    call_command("seed_demo", "--patients", "30", stdout=StringIO())
    return set(Patient.objects.values_list("patient_id", flat=True))


@pytest.fixture
def two_centres():
    a, b = CenterFactory(code="TST-A"), CenterFactory(code="TST-B")
    for center, prefix, birth_year in ((a, "SYN-A", 1970), (b, "SYN-B", 1955)):
        for i in range(2):
            gait = GaitSessionFactory(
                visit__patient__center=center,
                visit__patient__patient_id=f"{prefix}{i}",
                visit__patient__birth_year=birth_year,
            )
            MriScanFactory(patient=gait.visit.patient)
    return a, b


def test_codes_replace_pseudonyms_and_are_new_in_every_export(demo, tmp_path):
    registry_export_deidentified(directory=tmp_path / "one")
    registry_export_deidentified(directory=tmp_path / "two")
    one = {r["patient_id"] for r in _read(tmp_path / "one", "patients")}
    two = {r["patient_id"] for r in _read(tmp_path / "two", "patients")}
    assert len(one) == len(two) == len(demo) == 30
    assert not one & demo
    assert not one & two
    assert all(code.startswith("R-") for code in one)
    for kind in ("visits", "gait", "mri"):
        assert {r["patient_id"] for r in _read(tmp_path / "one", kind)} <= one, kind


def test_no_pseudonym_appears_anywhere_in_the_output(demo, tmp_path):
    registry_export_deidentified(directory=tmp_path)
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["README.txt", *sorted(f"{k}.csv" for k in KINDS)]
    for path in files:
        text = path.read_text(encoding="utf-8")
        leaked = [p for p in demo if p in text]
        assert not leaked, (path.name, leaked[:3])


def test_every_date_of_a_patient_moves_by_one_offset_and_years_are_kept(demo, tmp_path):
    registry_export(directory=tmp_path / "plain")
    registry_export_deidentified(directory=tmp_path / "deid")
    plain = {_content_key(rows): rows for rows in _by_patient(tmp_path / "plain").values()}
    assert len(plain) == 30  # the content identifies each patient, so the pairing is exact
    offsets = []
    for code, rows in _by_patient(tmp_path / "deid").items():
        original = plain.pop(_content_key(rows))
        assert original["patients"][0]["birth_year"] == rows["patients"][0]["birth_year"]
        assert original["patients"][0]["onset_year"] == rows["patients"][0]["onset_year"]
        assert original["patients"][0]["center"] == rows["patients"][0]["center"]
        found = _offsets(original, rows)
        assert len(found) == 1, (code, found)
        offset = found.pop()
        assert offset != 0 and abs(offset) <= MAX_SHIFT_DAYS
        offsets.append(offset)
    assert not plain
    assert len(set(offsets)) > 1  # drawn per patient, not one shift for the whole export


def test_shifted_dates_stay_between_birth_year_and_today(tmp_path):
    now = today()
    born = now.year - 1
    tight = PatientFactory(birth_year=born, onset_year=born, diagnosis_date=None)
    VisitFactory(patient=tight, visit_date=datetime.date(born, 1, 3))
    VisitFactory(patient=tight, visit_date=now - datetime.timedelta(days=2))
    recent = PatientFactory(diagnosis_date=None)
    VisitFactory(patient=recent, visit_date=now)
    MriScanFactory(patient=recent, scan_date=now - datetime.timedelta(days=30))
    tight_offsets = set()
    for run in range(15):
        folder = tmp_path / str(run)
        registry_export_deidentified(directory=folder)
        birth_years = {r["patient_id"]: int(r["birth_year"]) for r in _read(folder, "patients")}
        for kind, column in DATE_COLUMN.items():
            for row in _read(folder, kind):
                day = _day(row[column])
                assert datetime.date(birth_years[row["patient_id"]], 1, 1) <= day <= now, row
        first, last = sorted(
            _day(r["visit_date"])
            for r in _read(folder, "visits")
            if birth_years[r["patient_id"]] == born
        )
        offset = (first - datetime.date(born, 1, 3)).days
        assert last - (now - datetime.timedelta(days=2)) == datetime.timedelta(days=offset)
        tight_offsets.add(offset)
    assert tight_offsets <= {-2, -1, 1, 2}
    assert len(tight_offsets) > 1  # still random within the narrow room


def test_a_patient_whose_dates_leave_no_room_to_shift_is_left_out(tmp_path):
    stuck = PatientFactory(birth_year=today().year - 1, onset_year=None, diagnosis_date=None)
    VisitFactory(patient=stuck, visit_date=datetime.date(stuck.birth_year, 1, 1))
    VisitFactory(patient=stuck, visit_date=today())
    VisitFactory()
    written = registry_export_deidentified(directory=tmp_path)
    assert written["patients"] == 1 and written["visits"] == 1
    readme = (tmp_path / "README.txt").read_text(encoding="utf-8")
    assert "no date shift fits their dates: 1" in readme


def test_the_files_import_cleanly_into_an_empty_database(demo, tmp_path):
    written = registry_export_deidentified(directory=tmp_path)
    for model in (GaitSession, MriScan, Visit, Patient):
        model.history.all().delete()
        model.objects.all().delete()
    report = registry_import(paths=[tmp_path])
    assert report.ok, report.lines()
    for kind in ("patients", "visits", "gait", "mri"):
        assert report.counts[kind].created == written[kind], kind
    assert Patient.objects.count() == 30
    assert not set(Patient.objects.values_list("patient_id", flat=True)) & demo


def test_the_readme_states_the_rule_and_the_time(demo, tmp_path):
    registry_export_deidentified(directory=tmp_path)
    readme = (tmp_path / "README.txt").read_text(encoding="utf-8")
    assert "De-identified export" in readme
    assert f"between -{MAX_SHIFT_DAYS} and +{MAX_SHIFT_DAYS}, never 0" in readme
    stamp = next(line for line in readme.splitlines() if line.startswith("Exported at: "))
    exported_at = datetime.datetime.fromisoformat(stamp.removeprefix("Exported at: "))
    assert abs(timezone.now() - exported_at) < datetime.timedelta(minutes=5)
    assert "- visits.csv: " in readme


def test_a_researcher_of_centre_a_never_gets_centre_b_rows(two_centres, tmp_path):
    a, _ = two_centres
    researcher = UserFactory(role=Role.RESEARCHER, centers=[a])
    written = registry_export_deidentified(directory=tmp_path, user=researcher)
    assert [r["center"] for r in _read(tmp_path, "centers")] == ["TST-A"]
    patients = _read(tmp_path, "patients")
    assert {(r["center"], r["birth_year"]) for r in patients} == {("TST-A", "1970")}
    assert written == {"centers": 1, "patients": 2, "visits": 2, "gait": 2, "mri": 2}
    codes = {r["patient_id"] for r in patients}
    for kind in ("visits", "gait", "mri"):
        assert {r["patient_id"] for r in _read(tmp_path, kind)} == codes, kind


def test_the_command_flag_writes_the_deidentified_files(demo, tmp_path):
    out = StringIO()
    call_command("export_registry", "--out", str(tmp_path), "--deidentified", stdout=out)
    assert "patients.csv: 30 rows" in out.getvalue()
    assert (tmp_path / "README.txt").exists()
    assert not {r["patient_id"] for r in _read(tmp_path, "patients")} & demo


def test_the_download_is_a_zip_of_the_researchers_centres(client, two_centres):
    a, _ = two_centres
    client.force_login(UserFactory(role=Role.RESEARCHER, centers=[a]))
    response = client.get(reverse("export-deidentified"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    stamp = today().strftime("%Y%m%d")
    assert f'filename="registry-deidentified-{stamp}.zip"' in response["Content-Disposition"]
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(bundle.namelist()) == ["README.txt", *sorted(f"{k}.csv" for k in KINDS)]
    patients = list(csv.DictReader(io.StringIO(bundle.read("patients.csv").decode())))
    assert [r["center"] for r in patients] == ["TST-A", "TST-A"]
    assert not any(r["patient_id"].startswith("SYN-") for r in patients)


def test_the_download_sends_anonymous_users_to_login(client, two_centres):
    response = client.get(reverse("export-deidentified"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
