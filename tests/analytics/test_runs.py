"""The reanalysis service through its public doors: request, claim, skip, publish, fail."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from analytics import services
from analytics.models import ClusteringRun, PhenotypeAssignment, RunStatus
from registry.demo.seeding import demo_cohort_seed
from registry.models import Patient
from tests.factories import GaitSessionFactory, VisitFactory

pytestmark = pytest.mark.django_db

FAST = {"trigger": "command", "bootstrap": 10, "sync": True}


@pytest.fixture
def cohort():
    demo_cohort_seed(n_patients=300, seed=7)


def test_a_run_publishes_phenotypes_assignments_and_comparisons(cohort):
    run = services.clustering_run_request(**FAST)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.k == 4
    assert run.phenotypes.count() == 4
    assert sorted(run.phenotypes.values_list("stable_id", flat=True)) == [1, 2, 3, 4]
    assert sum(run.phenotypes.values_list("size", flat=True)) == run.cohort_size
    assert run.assignments.count() == run.cohort_size == Patient.objects.count()
    assert run.comparisons.filter(variable="edss", test__icontains="kruskal").exists()
    assert run.model and run.input_fingerprint and run.algorithm_version
    assert {"read", "publish"} <= set(run.timings)
    assert ClusteringRun.objects.current() == run


def test_an_unchanged_cohort_is_skipped_without_recomputing(cohort):
    first = services.clustering_run_request(**FAST)
    second = services.clustering_run_request(**FAST)
    assert second.status == RunStatus.SKIPPED
    assert f"run {first.pk}" in second.skipped_reason
    assert second.phenotypes.count() == 0
    assert ClusteringRun.objects.current() == first


def test_changed_parameters_are_not_skipped(cohort):
    services.clustering_run_request(**FAST)
    other = services.clustering_run_request(**{**FAST, "k": 3})
    assert other.status == RunStatus.SUCCEEDED
    assert other.phenotypes.count() == 3


def test_a_failure_keeps_the_previous_results_current(cohort, monkeypatch):
    good = services.clustering_run_request(**FAST)
    GaitSessionFactory()  # the input changes, so the next run is not skipped

    def broken(*args, **kwargs):
        raise ValueError("synthetic failure inside the pipeline")

    monkeypatch.setattr(services, "run_pipeline", broken)
    bad = services.clustering_run_request(**FAST)
    assert bad.status == RunStatus.FAILED
    assert "synthetic failure inside the pipeline" in bad.error
    assert bad.phenotypes.count() == 0 and bad.assignments.count() == 0
    assert ClusteringRun.objects.current() == good


def test_too_few_patients_fail_with_a_readable_reason():
    GaitSessionFactory()
    run = services.clustering_run_request(**FAST)
    assert run.status == RunStatus.FAILED
    assert "at least 20 are needed" in run.error


def test_a_second_run_is_refused_while_one_is_running(cohort):
    busy = services.clustering_run_create(trigger="command")
    ClusteringRun.objects.filter(pk=busy.pk).update(status="running", started_at=timezone.now())
    second = services.clustering_run_request(**FAST)
    assert second.status == RunStatus.SKIPPED
    assert f"Run {busy.pk} was already running" in second.skipped_reason


def test_a_run_stuck_past_its_time_limit_is_failed_by_the_next_one(cohort):
    stuck = services.clustering_run_create(trigger="schedule")
    long_ago = timezone.now() - datetime.timedelta(days=1)
    ClusteringRun.objects.filter(pk=stuck.pk).update(status="running", started_at=long_ago)
    fresh = services.clustering_run_request(**FAST)
    stuck.refresh_from_db()
    assert stuck.status == RunStatus.FAILED and "time limit" in stuck.error
    assert fresh.status == RunStatus.SUCCEEDED


def test_runs_held_by_a_restarted_worker_are_failed():
    run = services.clustering_run_create(trigger="schedule")
    ClusteringRun.objects.filter(pk=run.pk).update(
        status="running", started_at=timezone.now(), worker="worker-1@host"
    )
    assert services.clustering_runs_fail_stale(worker="worker-2@host") == 0
    assert services.clustering_runs_fail_stale(worker="worker-1@host") == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "worker-1@host stopped" in run.error


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
    assert sorted(results.values()) == [False, True]
    statuses = sorted(ClusteringRun.objects.values_list("status", flat=True))
    assert statuses == ["running", "skipped"]
    assert connection.vendor == "postgresql"


def test_a_new_visit_gets_a_provisional_phenotype_without_a_rerun(
    cohort, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        run = services.clustering_run_request(**FAST)
        patient = Patient.objects.order_by("patient_id").first()
        visit = VisitFactory(patient=patient, visit_date=datetime.date(2025, 10, 1))
        with django_capture_on_commit_callbacks(execute=True):
            GaitSessionFactory(visit=visit, velocity_m_s=0.5, cadence_steps_min=84.0)
        assignment = PhenotypeAssignment.objects.get(visit=visit)
        assert assignment.provisional is True
        assert assignment.run == run
        assert assignment.phenotype.run == run
        assert assignment.distance >= 0
    finally:
        app.conf.task_always_eager = False
