"""Fault tests of the job lifecycle with a real Celery worker (Redis broker, PostgreSQL):
the pool process running a reanalysis or an upload import is SIGKILLed, and the job is
failed within seconds (short leases here; minutes with the defaults) by the worker's
beat sweep, its uploaded files are deleted, and the previous phenotypes stay current."""

import os
import signal
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analytics import services
from analytics.models import ClusteringRun, RunStatus
from registry.demo.generator import generate_demo_cohort
from registry.demo.seeding import demo_cohort_seed
from registry.importing import jobs
from registry.models import ImportJob, Patient, Role
from tests.factories import CenterFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(worker_process, fast_leases, tmp_path, settings, monkeypatch):
    root = tmp_path / "imports"
    settings.IMPORT_UPLOAD_ROOT = root
    monkeypatch.setenv("IMPORT_UPLOAD_ROOT", str(root))
    process = worker_process("worker.log", beat=True, env=fast_leases)
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def _wait(model, pk, statuses, worker, timeout: float = 90, poll: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = model.objects.get(pk=pk)
        if row.status in statuses:
            return row
        time.sleep(poll)
    log = worker.log_path.read_text(errors="replace")[-4000:]
    pytest.fail(f"{model.__name__} {pk} still {row.status} after {timeout} s; log:\n{log}")


def _kill_the_pool_child(row, worker) -> None:
    assert row.worker_pid and row.worker_pid != worker.process.pid
    os.kill(row.worker_pid, signal.SIGKILL)


def test_a_reanalysis_whose_pool_process_is_killed_is_failed_and_the_previous_stays(worker):
    demo_cohort_seed(n_patients=300, seed=5)
    previous = services.clustering_run_request(trigger="command", bootstrap=5, sync=True)
    assert previous.status == RunStatus.SUCCEEDED
    # Many resamples and a new seed: long enough to be caught mid-run.
    slow = services.clustering_run_request(trigger="web", bootstrap=1000, seed=99)
    running = _wait(ClusteringRun, slow.pk, {"running"}, worker)
    _kill_the_pool_child(running, worker)

    failed = _wait(ClusteringRun, slow.pk, {"failed", "succeeded"}, worker, poll=0.5)
    assert failed.status == RunStatus.FAILED and "no heartbeat" in failed.error
    assert ClusteringRun.objects.current() == previous
    assert not failed.phenotypes.exists() and not failed.assignments.exists()


def test_an_import_whose_pool_process_is_killed_is_failed_and_its_files_deleted(worker, settings):
    demo_cohort_seed(n_patients=60, seed=8)
    previous = services.clustering_run_request(trigger="command", bootstrap=0, sync=True)
    cohort = generate_demo_cohort(n_patients=1500, seed=21, prefix="SYN-")
    centers = [CenterFactory(code=code) for code in cohort.centers["center"]]
    clinician = UserFactory(role=Role.CLINICIAN, centers=centers)
    before = Patient.objects.count()
    files = [
        SimpleUploadedFile(name, frame.to_csv(index=False).encode(), content_type="text/csv")
        for name, frame in [
            ("patients.csv", cohort.patients),
            ("visits.csv", cohort.visits),
            ("gait.csv", cohort.gait),
        ]
    ]
    job = jobs.import_job_create(user=clinician, files=files)
    running = _wait(ImportJob, job.pk, {"running"}, worker)
    _kill_the_pool_child(running, worker)

    failed = _wait(ImportJob, job.pk, ImportJob.FINISHED, worker, poll=0.5)
    assert failed.status == ImportJob.Status.FAILED and "no heartbeat" in failed.message
    assert not any(p.is_file() for p in settings.IMPORT_UPLOAD_ROOT.rglob("*"))
    assert Patient.objects.count() == before
    assert ClusteringRun.objects.current() == previous
