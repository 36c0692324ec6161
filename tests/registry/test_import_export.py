"""Importing the interchange files: every rule, all or nothing, idempotent, round trip."""

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.exporting import registry_export
from registry.importing.service import registry_import
from registry.models import GaitSession, MriScan, Patient, Visit
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_clean_file_set_is_imported_with_defaults_and_flags(tmp_path, good_files, write_files):
    report = registry_import(paths=[write_files(tmp_path, good_files)])
    assert report.ok, report.lines()
    assert report.counts["gait"].created == 2
    assert GaitSession.objects.get(visit__patient__patient_id="SYN-I2").condition == "comfortable"
    assert Patient.objects.get(patient_id="SYN-I2").onset_year is None
    assert MriScan.objects.get().t2_lesion_count == 12


@pytest.mark.parametrize(
    ("file", "bad_line", "expected"),
    [
        ("visits.csv", "SYN-I1,2021-05-01,RRMS,0.5,,,", "visits.csv:4: edss: EDSS = 0.5"),
        ("visits.csv", "SYN-I1,2021-13-01,RRMS,,,,", "visits.csv:4: visit_date: '2021-13-01'"),
        ("visits.csv", "SYN-I1,01.05.2021,RRMS,,,,", "YYYY-MM-DD"),
        (
            "visits.csv",
            "SYN-I1,2099-05-01,RRMS,,,,",
            "Visit date = 2099-05-01 is in the future",
        ),
        ("visits.csv", "SYN-I1,1970-05-01,RRMS,,,,", "before the patient's birth year 1980"),
        ("visits.csv", "SYN-XX,2021-05-01,RRMS,,,,", "patient_id: 'SYN-XX' is not an existing"),
        ("visits.csv", "SYN-I1,2021-05-01,RPMS,,,,", "disease_course: Disease course = 'RPMS'"),
        ("visits.csv", "SYN-I1,2021-05-01,RRMS,,101,,", "msws12: MSWS-12 = 101 is outside"),
        ("visits.csv", "SYN-I1,2021-05-01,RRMS,,,,rollator", "Walking aid = 'rollator'"),
        (
            "visits.csv",
            "SYN-I1,2021-03-01,RRMS,,,,",
            "visits.csv:4: visit_date: duplicate of line 2 (same patient_id, visit_date)",
        ),
        ("visits.csv", "SYN-I1,,RRMS,,,,", "visits.csv:4: visit_date: a value is required"),
        ("patients.csv", "SYN-I3,TST-NOPE,F,1980,,", "center: 'TST-NOPE' is not an existing"),
        ("patients.csv", "SYN-I3,TST-IMP,Q,1980,,", "sex: Sex = 'Q' is not allowed"),
        ("patients.csv", "SYN-I3,TST-IMP,F,1880,,", "birth_year: Birth year = 1880 is outside"),
        ("patients.csv", "SYN-I3,TST-IMP,F,1980,1970,", "onset_year: Onset year = 1970 is outside"),
        ("patients.csv", "x,TST-IMP,F,1980,,", "patient_id: Patient id = 'x' is not"),
        ("patients.csv", "SYN-I3,TST-IMP,F,nineteen,,", "'nineteen' is not a whole number"),
        ("gait.csv", "SYN-I1,2020-01-01,fast,1.5,120,0.7,1.4,40,60", "no visit of SYN-I1"),
        ("gait.csv", "SYN-I1,2021-03-01,fast,0,120,0.7,1.4,40,60", "Velocity (m/s) = 0 is"),
        ("gait.csv", "SYN-I1,2021-03-01,jog,1.5,120,0.7,1.4,40,60", "condition: Condition = 'jog'"),
        ("gait.csv", "SYN-I1,2021-03-01,fast,,120,0.7,1.4,40,60", "velocity_m_s: a value is"),
        ("mri.csv", "SYN-I1,2021-09-01,1.2,0.45,0.38,", "brain_parenchymal_fraction: BPF = 1.2"),
        ("mri.csv", "SYN-I1,2021-09-01,0.8,0.45,0.38,2.5", "'2.5' is not a whole number"),
        ("centers.csv", "lower case,x", "center = 'lower case' is not a valid code"),
    ],
)
def test_every_rule_is_reported_as_file_line_column_message(
    tmp_path, file, bad_line, expected, good_files, write_files
):
    files = dict(good_files)
    files[file] = files[file] + bad_line + "\n"
    report = registry_import(paths=[write_files(tmp_path, files)])
    text = "\n".join(str(e) for e in report.errors)
    assert expected in text, text
    assert Patient.objects.count() == 0  # nothing at all was written


def test_unknown_and_missing_columns_are_errors(tmp_path, good_files, write_files):
    files = dict(good_files)
    files["visits.csv"] = "patient_id,visit_date,edss_score\nSYN-I1,2021-03-01,2\n"
    errors = [str(e) for e in registry_import(paths=[write_files(tmp_path, files)]).errors]
    assert "visits.csv:1: edss_score: unknown column" in errors[0]
    assert any("visits.csv:1: disease_course: required column is missing" in e for e in errors)


def test_a_file_mixing_good_and_bad_rows_imports_nothing_and_lists_every_error(
    tmp_path, good_files, write_files
):
    files = dict(good_files)
    files["visits.csv"] += "SYN-I1,2021-05-01,RRMS,0.5,,,\nSYN-I2,2099-01-01,XX,,,,\n"
    report = registry_import(paths=[write_files(tmp_path, files)])
    assert len(report.errors) == 3
    assert report.counts["visits"].rejected == 2
    assert Patient.objects.count() == 0
    assert Visit.objects.count() == 0


def test_reimporting_the_same_files_changes_nothing(tmp_path, good_files, write_files):
    folder = write_files(tmp_path, good_files)
    registry_import(paths=[folder])
    history = Visit.history.count()
    report = registry_import(paths=[folder])
    assert {c.created + c.updated for c in report.counts.values()} == {0}
    assert report.counts["visits"].unchanged == 2
    assert Visit.history.count() == history


def test_a_changed_value_is_an_update_with_history_of_who_imported_it(
    tmp_path, good_files, write_files
):
    user = UserFactory()
    registry_import(paths=[write_files(tmp_path / "a", good_files)])
    files = dict(good_files)
    files["visits.csv"] = files["visits.csv"].replace("RRMS,2.0", "RRMS,3.5")
    report = registry_import(paths=[write_files(tmp_path / "b", files)], user=user)
    assert report.counts["visits"].updated == 1 and report.counts["visits"].unchanged == 1
    visit = Visit.objects.get(patient__patient_id="SYN-I1")
    assert visit.edss == 3.5
    latest = visit.history.latest()
    assert latest.history_user == user and latest.history_change_reason.startswith("import:")


def test_dry_run_counts_but_writes_nothing(tmp_path, good_files, write_files):
    report = registry_import(paths=[write_files(tmp_path, good_files)], dry_run=True)
    assert report.counts["patients"].created == 2
    assert Patient.objects.count() == 0


def test_a_centre_restriction_rejects_other_centres(tmp_path, good_files, write_files):
    CenterFactory(code="TST-OTHER")
    files = dict(good_files)
    files["patients.csv"] += "SYN-I9,TST-OTHER,F,1980,,\n"
    report = registry_import(paths=[write_files(tmp_path, files)], allowed_centers={"TST-IMP"})
    assert any("'TST-OTHER' is not one of your centres" in str(e) for e in report.errors)


def test_export_import_export_round_trip_gives_identical_files(tmp_path, django_db_blocker):
    call_command("seed_demo", "--patients", "40", stdout=StringIO())
    registry_export(directory=tmp_path / "one")
    for model in (GaitSession, MriScan, Visit, Patient):
        model.history.all().delete()
        model.objects.all().delete()
    report = registry_import(paths=[tmp_path / "one"])
    assert report.ok, report.lines()
    registry_export(directory=tmp_path / "two")
    for name in ("centers", "patients", "visits", "gait", "mri"):
        one = (tmp_path / "one" / f"{name}.csv").read_text()
        assert one == (tmp_path / "two" / f"{name}.csv").read_text(), name
    with (tmp_path / "two" / "patients.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 40


def test_the_command_prints_every_error_and_fails(tmp_path, good_files, write_files):
    files = dict(good_files)
    files["visits.csv"] += "SYN-I1,2021-05-01,RRMS,0.5,,,\n"
    out = StringIO()
    with pytest.raises(CommandError, match="1 errors: nothing was imported"):
        call_command("import_registry", str(write_files(tmp_path, files)), stdout=out)
    assert "visits.csv:4: edss" in out.getvalue()


@pytest.mark.parametrize("device", ['GAIT, "Rite"\nmat', "", "=HYPERLINK(1)", "-1.5"])
def test_the_copy_export_writes_the_cells_of_the_row_by_row_export(tmp_path, on_postgres, device):
    """PostgreSQL's COPY path gives the files of the row-by-row writer, byte for byte:
    whole floats with ".0", empty text, quotes, commas and line breaks, and (through the
    row-by-row writer) formula-like or number-like text."""
    from registry.exporting import _queries, _write_files

    call_command("seed_demo", "--patients", "12", stdout=StringIO())
    walk = GaitSession.objects.order_by("pk").first()
    GaitSession.objects.filter(pk=walk.pk).update(device=device, velocity_m_s=1.0, swing_pct=40)
    registry_export(directory=tmp_path / "copy")
    _write_files(tmp_path / "rows", _queries(None))
    for name in ("centers", "patients", "visits", "gait", "mri"):
        copied = (tmp_path / "copy" / f"{name}.csv").read_bytes()
        assert copied == (tmp_path / "rows" / f"{name}.csv").read_bytes(), name
    assert b",1.0," in (tmp_path / "copy" / "gait.csv").read_bytes()


def test_the_copy_export_does_not_depend_on_the_servers_date_and_float_style(tmp_path, on_postgres):
    """A server or role with another DateStyle or fewer float digits still gets the
    row-by-row writer's bytes."""
    from django.db import connection

    from registry.exporting import _queries, _write_files

    call_command("seed_demo", "--patients", "6", stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle = 'SQL, DMY'")
        cursor.execute("SET extra_float_digits = 0")
    try:
        registry_export(directory=tmp_path / "copy")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET DateStyle")
            cursor.execute("RESET extra_float_digits")
    _write_files(tmp_path / "rows", _queries(None))
    for name in ("patients", "visits", "gait", "mri"):
        copied = (tmp_path / "copy" / f"{name}.csv").read_bytes()
        assert copied == (tmp_path / "rows" / f"{name}.csv").read_bytes(), name
