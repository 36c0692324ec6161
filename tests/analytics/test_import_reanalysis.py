"""An import that changes clinical records queues one reanalysis of the cohort; a dry
run, an unchanged re-import or the setting turned off queue none."""

import pytest

from analytics.models import ClusteringRun, RunStatus
from config.celery import app
from registry.demo.seeding import demo_cohort_seed
from registry.importing.service import registry_import
from registry.models import GaitSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


@pytest.fixture
def run_import(good_files, write_files, django_capture_on_commit_callbacks):
    """Import the clean file set from a folder and run what it queued after the commit."""

    def run(folder, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return registry_import(paths=[write_files(folder, good_files)], **kwargs)

    return run


def test_an_import_with_new_gait_sessions_queues_one_reanalysis_that_succeeds(
    tmp_path, eager, run_import
):
    # Enough patients for phenotypes, so the queued run has to compute and publish.
    demo_cohort_seed(n_patients=30, seed=4)
    assert run_import(tmp_path).ok
    run = ClusteringRun.objects.get()
    assert run.trigger == "import"
    assert run.status == RunStatus.SUCCEEDED, run.error
    # Its input is every patient with a comfortable walk, the two imported ones included.
    walkers = GaitSession.objects.filter(condition="comfortable").values("visit__patient")
    assert run.n_input == walkers.distinct().count() == 30 + 2
    assert ClusteringRun.objects.current() == run


def test_a_dry_run_or_an_unchanged_reimport_queues_nothing(tmp_path, eager, run_import):
    run_import(tmp_path / "a", dry_run=True)
    assert not ClusteringRun.objects.exists()
    run_import(tmp_path / "b")
    run_import(tmp_path / "c")
    assert ClusteringRun.objects.count() == 1


def test_the_setting_turns_it_off(tmp_path, eager, settings, run_import):
    settings.RECLUSTER_AFTER_IMPORT = False
    run_import(tmp_path)
    assert not ClusteringRun.objects.exists()
