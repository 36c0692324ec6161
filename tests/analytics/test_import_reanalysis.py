"""An import that changes clinical records queues one reanalysis of the cohort; a dry
run, an unchanged re-import or the setting turned off queue none."""

import pytest

from analytics.models import ClusteringRun
from config.celery import app
from registry.importing.service import registry_import
from tests.registry.test_import_export import GOOD, _write

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


def _import(tmp_path, capture, **kwargs):
    with capture(execute=True):
        return registry_import(paths=[_write(tmp_path, GOOD)], **kwargs)


def test_an_import_with_new_gait_sessions_queues_one_reanalysis(
    tmp_path, eager, django_capture_on_commit_callbacks
):
    assert _import(tmp_path, django_capture_on_commit_callbacks).ok
    runs = ClusteringRun.objects.all()
    assert [run.trigger for run in runs] == ["import"]
    assert runs.get().status in {"succeeded", "failed", "skipped"}  # it ran, whatever came out


def test_a_dry_run_or_an_unchanged_reimport_queues_nothing(
    tmp_path, eager, django_capture_on_commit_callbacks
):
    _import(tmp_path / "a", django_capture_on_commit_callbacks, dry_run=True)
    assert not ClusteringRun.objects.exists()
    _import(tmp_path / "b", django_capture_on_commit_callbacks)
    _import(tmp_path / "c", django_capture_on_commit_callbacks)
    assert ClusteringRun.objects.count() == 1


def test_the_setting_turns_it_off(tmp_path, eager, settings, django_capture_on_commit_callbacks):
    settings.RECLUSTER_AFTER_IMPORT = False
    _import(tmp_path, django_capture_on_commit_callbacks)
    assert not ClusteringRun.objects.exists()
