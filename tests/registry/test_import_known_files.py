"""Re-importing unchanged files is recognised before any row is read; any write since
the last import, other files or other centres take the full path."""

import pytest

from registry.importing.service import registry_import
from registry.models import Visit
from registry.services import visit_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_same_files_with_no_write_since_are_reported_unchanged_without_reading(
    tmp_path, good_files, write_files
):
    folder = write_files(tmp_path, good_files)
    first = registry_import(paths=[folder])
    assert first.ok and not first.known_unchanged
    again = registry_import(paths=[folder])
    assert again.known_unchanged
    assert {k: c.unchanged for k, c in again.counts.items()} == {
        "centers": 1,
        "patients": 2,
        "visits": 2,
        "gait": 2,
        "mri": 1,
    }
    assert {c.created + c.updated for c in again.counts.values()} == {0}


def test_a_write_since_the_import_sends_the_same_files_through_every_check(
    tmp_path, good_files, write_files
):
    folder = write_files(tmp_path, good_files)
    registry_import(paths=[folder])
    visit = Visit.objects.get(patient__patient_id="SYN-I1")
    visit_update(user=UserFactory(is_superuser=True), visit=visit, data={"edss": 4.0})
    report = registry_import(paths=[folder])
    assert not report.known_unchanged
    assert report.counts["visits"].updated == 1  # the file's 2.0 is written back
    assert Visit.objects.get(pk=visit.pk).edss == 2.0


def test_changed_content_or_another_centre_scope_takes_the_full_path(
    tmp_path, good_files, write_files
):
    registry_import(paths=[write_files(tmp_path / "a", good_files)])
    files = dict(good_files)
    files["visits.csv"] = files["visits.csv"].replace("RRMS,2.0", "RRMS,3.5")
    changed = registry_import(paths=[write_files(tmp_path / "b", files)])
    assert not changed.known_unchanged and changed.counts["visits"].updated == 1
    scoped = registry_import(paths=[tmp_path / "b"], allowed_centers={"TST-IMP"})
    assert not scoped.known_unchanged and scoped.ok
    assert registry_import(paths=[tmp_path / "b"], allowed_centers={"TST-IMP"}).known_unchanged


def test_a_dry_run_remembers_nothing(tmp_path, good_files, write_files):
    folder = write_files(tmp_path, good_files)
    registry_import(paths=[folder], dry_run=True)
    assert not registry_import(paths=[folder]).known_unchanged
