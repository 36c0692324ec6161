"""What the importer stores: NULL versus empty text, quality flags, timestamps, the audit
trail of each created row, progress, and the checks that keep one centre's patients out
of another's import. Runs on both write paths (COPY on PostgreSQL, ORM elsewhere)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.access import import_scope
from registry.importing.service import registry_import
from registry.models import GaitSession, Patient, Role, Visit
from registry.quality import gait_flags
from tests.factories import CenterFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_empty_cells_are_null_in_measures_and_empty_text_in_provenance(
    tmp_path, good_files, write_files
):
    files = dict(good_files)
    files["visits.csv"] += "SYN-I1,2023-01-10,RRMS,,,,\n"
    files["gait.csv"] += "SYN-I1,2023-01-10,fast,1.5,120,0.7,1.4,,\n"
    assert registry_import(paths=[write_files(tmp_path, files)]).ok
    visit = Visit.objects.get(patient__patient_id="SYN-I1", visit_date="2023-01-10")
    assert visit.walking_aid is None and visit.edss is None
    gait = GaitSession.objects.get(visit=visit)
    assert gait.device == "" and gait.software_version == ""
    assert gait.swing_pct is None and gait.step_time_s is None
    assert gait.velocity_m_s == 1.5


def test_imported_gait_carries_the_same_quality_flags_as_a_saved_one(
    tmp_path, good_files, write_files
):
    files = dict(good_files)
    files["gait.csv"] = files["gait.csv"].replace("1.29,39,61", "1.29,30,60")
    assert registry_import(paths=[write_files(tmp_path, files)]).ok
    gait = GaitSession.objects.get(visit__patient__patient_id="SYN-I1")
    assert gait.quality_flags, "swing + stance = 90 % must be flagged"
    assert gait.quality_flags == gait_flags(gait.measurements())


def test_every_created_row_has_one_history_row_naming_the_importer(
    tmp_path, good_files, write_files
):
    user = UserFactory()
    report = registry_import(paths=[write_files(tmp_path, good_files)], user=user)
    assert report.counts["gait"].created == 2
    history = GaitSession.history.all()
    assert history.count() == 2
    assert {(h.history_type, h.history_user_id) for h in history} == {("+", user.pk)}
    assert all(h.history_change_reason.startswith("import: centers.csv") for h in history)


def test_an_update_keeps_created_at_and_moves_updated_at(tmp_path, good_files, write_files):
    registry_import(paths=[write_files(tmp_path / "a", good_files)])
    before = Visit.objects.get(patient__patient_id="SYN-I1")
    files = dict(good_files)
    files["visits.csv"] = files["visits.csv"].replace("RRMS,2.0", "RRMS,2.5")
    registry_import(paths=[write_files(tmp_path / "b", files)])
    after = Visit.objects.get(pk=before.pk)
    assert after.edss == 2.5
    assert after.created_at == before.created_at and after.updated_at >= before.updated_at
    assert [h.history_type for h in after.history.order_by("history_id")] == ["+", "~"]


def test_a_row_with_more_cells_than_the_header_is_an_error(tmp_path, good_files, write_files):
    files = dict(good_files)
    files["visits.csv"] += "SYN-I1,2021-05-01,RRMS,2.0,20,5.5,none,surplus\n"
    report = registry_import(paths=[write_files(tmp_path, files)])
    assert "visits.csv:4: -: 8 cells but the header has 7 columns" in [
        str(e) for e in report.errors
    ]
    assert Patient.objects.count() == 0


def test_an_import_cannot_move_another_centres_patient_into_mine(tmp_path, good_files, write_files):
    mine, theirs = CenterFactory(code="TST-IMP"), CenterFactory(code="TST-THEIRS")
    PatientFactory(patient_id="SYN-I1", center=theirs, birth_year=1980)
    files = {"patients.csv": good_files["patients.csv"]}
    report = registry_import(paths=[write_files(tmp_path, files)], allowed_centers={mine.code})
    assert (
        "patients.csv:2: patient_id: 'SYN-I1' is already used in the registry; choose another"
        in [str(e) for e in report.errors]
    )
    assert Patient.objects.get(patient_id="SYN-I1").center == theirs


def test_progress_reports_rows_done_out_of_the_total_for_both_stages(
    tmp_path, good_files, write_files
):
    calls = []
    registry_import(
        paths=[write_files(tmp_path, good_files)], progress=lambda *call: calls.append(call)
    )
    total = sum(text.count("\n") - 1 for text in good_files.values())
    assert calls[0] == ("validating", 0, total)
    assert ("validating", total, total) in calls
    assert calls[-1] == ("writing", total, total)
    assert all(0 <= done <= t == total for _stage, done, t in calls)


def test_a_clinician_may_import_only_into_their_centres_and_not_add_centres(
    tmp_path, good_files, write_files
):
    mine = CenterFactory(code="TST-IMP")
    clinician = UserFactory(role=Role.CLINICIAN, centers=[mine])
    files = dict(good_files)
    files["centers.csv"] += "TST-NEW,Synthetic new centre\n"
    report = registry_import(
        paths=[write_files(tmp_path, files)],
        allowed_centers=import_scope(clinician),
        user=clinician,
    )
    assert "centers.csv:3: center: 'TST-NEW' is not one of your centres" in [
        str(e) for e in report.errors
    ]


def test_researchers_may_not_import():
    with pytest.raises(PermissionError, match="may not import"):
        import_scope(UserFactory(role=Role.RESEARCHER))


def test_the_command_names_the_importer_in_the_audit_trail(tmp_path, good_files, write_files):
    mine = CenterFactory(code="TST-IMP")
    clinician = UserFactory(role=Role.CLINICIAN, centers=[mine])
    files = {k: v for k, v in good_files.items() if k != "centers.csv"}
    call_command(
        "import_registry",
        str(write_files(tmp_path, files)),
        "--user",
        clinician.username,
        stdout=StringIO(),
    )
    assert {h.history_user_id for h in Visit.history.all()} == {clinician.pk}
    with pytest.raises(CommandError, match="--user = 'nobody' is not an existing username"):
        call_command("import_registry", str(tmp_path), "--user", "nobody", stdout=StringIO())
    researcher = UserFactory(role=Role.RESEARCHER, centers=[mine])
    with pytest.raises(CommandError, match="may not import data"):
        call_command(
            "import_registry", str(tmp_path), "--user", researcher.username, stdout=StringIO()
        )


def test_the_command_and_the_upload_worker_share_one_import_door(tmp_path, good_files, write_files):
    """`services.records_import` takes the scope from `access.import_scope`: a centre
    outside the user's reach is refused by name, before any row is read."""
    from registry.services import records_import

    mine, other = CenterFactory(code="TST-IMP"), CenterFactory(code="TST-OTH")
    clinician = UserFactory(role=Role.CLINICIAN, centers=[mine])
    folder = write_files(tmp_path, {k: v for k, v in good_files.items() if k != "centers.csv"})
    with pytest.raises(CommandError, match=r"--center = 'TST-OTH': .* may not import into"):
        call_command(
            "import_registry",
            str(folder),
            "--user",
            clinician.username,
            "--center",
            other.code,
            stdout=StringIO(),
        )
    with pytest.raises(PermissionError, match="may not import into centre 'TST-OTH'"):
        records_import(user=clinician, paths=[folder], only_center=other.code)
    assert not Visit.objects.exists()
    report = records_import(user=clinician, paths=[folder], only_center=mine.code, dry_run=True)
    assert report.ok and report.dry_run
