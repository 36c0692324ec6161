"""A real Celery worker (and beat) against the real Redis and PostgreSQL.

The worker runs as a separate process on the test database, so these tests commit
their data (transactional_db) and wait for results with a bounded timeout.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from analytics import services
from analytics.models import ClusteringRun, RunStatus
from registry.demo.seeding import demo_cohort_seed

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
WORKER_NAME = "registry-itest@localhost"
# Short leases so that a lost job is failed within seconds in these tests.
FAST_LEASES = {"JOB_LEASE_SECONDS": "4", "JOB_HEARTBEAT_SECONDS": "1", "JOB_SWEEP_SECONDS": "2"}


def _database_url() -> str:
    s = connection.settings_dict
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{host}:{port}/{s['NAME']}"


class Worker:
    def __init__(
        self,
        redis_url: str,
        log_path: Path,
        *,
        beat: bool = False,
        env: dict | None = None,
        name: str = WORKER_NAME,
    ) -> None:
        env = {
            **os.environ,
            **(env or {}),
            "DATABASE_URL": _database_url(),
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "DATABASE_CONN_MAX_AGE": "0",
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-n",
            name,
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ]
        if beat:
            command += ["-B", "-s", str(log_path.parent / "beat-schedule")]
        self.log_path = log_path
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log_path.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        pytest.fail(f"worker did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def clean_broker(redis_url, on_postgres):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return redis_url


def _wait_for(run_id: int, statuses: set[str], timeout: float, worker: Worker) -> ClusteringRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ClusteringRun.objects.get(pk=run_id)
        if run.status in statuses:
            return run
        time.sleep(0.5)
    log = worker.log_path.read_text(errors="replace")[-4000:]
    pytest.fail(f"run {run_id} still {run.status} after {timeout} s; worker log:\n{log}")


def test_a_requested_run_is_computed_by_a_real_worker(clean_broker, tmp_path):
    demo_cohort_seed(n_patients=400, seed=3)
    worker = Worker(clean_broker, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        run = services.clustering_run_request(trigger="web", bootstrap=10)
        done = _wait_for(run.pk, {"succeeded", "failed"}, 180, worker)
        assert done.status == RunStatus.SUCCEEDED, done.error
        assert done.worker == WORKER_NAME
        assert done.phenotypes.count() == 4
        assert done.assignments.count() == 400
        assert ClusteringRun.objects.current() == done
    finally:
        worker.stop()


def test_killing_the_worker_mid_run_fails_the_run_and_keeps_previous_results(
    clean_broker, tmp_path
):
    demo_cohort_seed(n_patients=400, seed=5)
    previous = services.clustering_run_request(trigger="command", bootstrap=5, sync=True)
    assert previous.status == RunStatus.SUCCEEDED
    worker = Worker(clean_broker, tmp_path / "worker.log", env=FAST_LEASES)
    try:
        worker.wait_ready()
        # Many bootstrap resamples and a new seed: long enough to be caught mid-run.
        slow = services.clustering_run_request(trigger="web", bootstrap=1000, seed=99)
        _wait_for(slow.pk, {"running"}, 60, worker)
        worker.kill()
        # Recreated under another name (a new container): the lease, not the name, tells.
        restarted = Worker(
            clean_broker,
            tmp_path / "worker2.log",
            beat=True,
            env=FAST_LEASES,
            name="registry-itest-2@elsewhere",
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


def test_beat_delivers_the_scheduled_reanalysis(clean_broker, tmp_path):
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
    worker = Worker(clean_broker, tmp_path / "worker.log", beat=True)
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
