"""Claiming a run: who may compute, when a run is refused or failed without computing.
None of these needs a cohort (the ones that do are in test_runs.py)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from analytics import services
from analytics.models import ClusteringRun, RunStatus
from tests.factories import GaitSessionFactory

pytestmark = pytest.mark.django_db

FAST = {"trigger": "command", "bootstrap": 10, "sync": True}


def test_too_few_patients_fail_with_a_readable_reason():
    GaitSessionFactory()
    run = services.clustering_run_request(**FAST)
    assert run.status == RunStatus.FAILED
    assert "at least 20 are needed" in run.error


def test_a_second_run_is_refused_while_one_is_running():
    busy = services.clustering_run_create(trigger="command")
    ClusteringRun.objects.filter(pk=busy.pk).update(status="running", started_at=timezone.now())
    second = services.clustering_run_request(**FAST)
    assert second.status == RunStatus.SKIPPED
    assert f"Run {busy.pk} was already running" in second.skipped_reason


def test_a_run_with_a_live_lease_is_not_failed_and_the_next_one_is_skipped():
    busy = services.clustering_run_create(trigger="schedule")
    ClusteringRun.objects.filter(pk=busy.pk).update(
        status="running",
        started_at=timezone.now(),
        worker="worker-1@host",
        lease_token="x" * 32,
        lease_expires_at=timezone.now() + datetime.timedelta(minutes=1),
    )
    second = services.clustering_run_request(**FAST)
    assert second.status == RunStatus.SKIPPED and f"Run {busy.pk}" in second.skipped_reason
    busy.refresh_from_db()
    assert busy.status == RunStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claims_give_one_running_run(on_postgres):
    runs = [services.clustering_run_create(trigger="command") for _ in range(2)]
    barrier = threading.Barrier(2)
    results = {}

    def claim(run_id):
        barrier.wait()
        try:
            results[run_id] = services._claim(run_id, f"thread-{run_id}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(run.pk,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(bool(token) for token in results.values()) == [False, True]
    statuses = sorted(ClusteringRun.objects.values_list("status", flat=True))
    assert statuses == ["running", "skipped"]
    assert connection.vendor == "postgresql"
