"""A real Celery worker (and beat) against the real Redis and PostgreSQL.

The worker runs as a separate process on the test database, so these tests commit
their data (transactional_db) and wait for results with a bounded timeout.
"""

import time

import pytest

from analytics import services
from analytics.models import ClusteringRun, RunStatus
from registry.demo.seeding import demo_cohort_seed

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _wait_for(run_id: int, statuses: set[str], timeout: float, worker) -> ClusteringRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ClusteringRun.objects.get(pk=run_id)
        if run.status in statuses:
            return run
        time.sleep(0.5)
    log = worker.log_path.read_text(errors="replace")[-4000:]
    pytest.fail(f"run {run_id} still {run.status} after {timeout} s; worker log:\n{log}")


def test_a_requested_run_is_computed_by_a_real_worker(worker_process):
    demo_cohort_seed(n_patients=400, seed=3)
    worker = worker_process("worker.log")
    try:
        worker.wait_ready()
        run = services.clustering_run_request(trigger="web", bootstrap=10)
        done = _wait_for(run.pk, {"succeeded", "failed"}, 180, worker)
        assert done.status == RunStatus.SUCCEEDED, done.error
        assert done.worker == worker.name
        assert done.phenotypes.count() == 4
        assert done.assignments.count() == 400
        assert ClusteringRun.objects.current() == done
    finally:
        worker.stop()


def test_killing_the_worker_mid_run_fails_the_run_and_keeps_previous_results(
    worker_process, fast_leases
):
    demo_cohort_seed(n_patients=400, seed=5)
    previous = services.clustering_run_request(trigger="command", bootstrap=5, sync=True)
    assert previous.status == RunStatus.SUCCEEDED
    worker = worker_process("worker.log", env=fast_leases)
    try:
        worker.wait_ready()
        # Many bootstrap resamples and a new seed: long enough to be caught mid-run.
        slow = services.clustering_run_request(trigger="web", bootstrap=1000, seed=99)
        _wait_for(slow.pk, {"running"}, 60, worker)
        worker.kill()
        # Recreated under another name (a new container): the lease, not the name, tells.
        restarted = worker_process(
            "worker2.log", beat=True, env=fast_leases, name="registry-itest-2@elsewhere"
        )
        try:
            restarted.wait_ready()
            failed = _wait_for(slow.pk, {"failed"}, 60, restarted)
            assert "no heartbeat" in failed.error
        finally:
            restarted.kill()
    finally:
        worker.kill()
    assert ClusteringRun.objects.current() == previous
    assert previous.phenotypes.count() == 4


def test_beat_delivers_the_scheduled_reanalysis(worker_process):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    demo_cohort_seed(n_patients=200, seed=11)
    every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="test: frequent reanalysis",
        task="analytics.recluster_cohort",
        interval=every,
        kwargs='{"trigger": "schedule", "bootstrap": 5}',
        expire_seconds=60,
    )
    worker = worker_process("worker.log", beat=True)
    try:
        worker.wait_ready()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run = ClusteringRun.objects.filter(trigger="schedule", status="succeeded").first()
            if run:
                break
            time.sleep(1)
        else:
            pytest.fail(worker.log_path.read_text(errors="replace")[-4000:])
        assert run.phenotypes.count() == 4
    finally:
        worker.stop()
