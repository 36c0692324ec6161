"""The reanalysis service on a real cohort: publish, skip, recompute, fail, recover, and
place a new visit on the published model. Runs that need no cohort are in
test_run_claims.py.

Every test here sees the same 300-patient demo cohort and its real reanalysis, computed
once for the module (tests/conftest.py `module_db`); each test's own writes are rolled
back after it."""

import datetime

import numpy as np
import pytest
from django.utils import timezone

from analytics import services
from analytics.engine.model import FittedModel, project
from analytics.features import cohort_frame
from analytics.models import ClusteringRun, PhenotypeAssignment, RunStatus
from registry.demo.seeding import demo_cohort_seed
from registry.models import Patient
from registry.services import gait_session_create
from tests.factories import GaitSessionFactory, UserFactory, VisitFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

FAST = {"trigger": "command", "bootstrap": 10, "sync": True}


@pytest.fixture(scope="module")
def published(module_db, django_db_blocker):
    """The 300-patient demo cohort and one real run on it, made once for the module."""
    with django_db_blocker.unblock():
        demo_cohort_seed(n_patients=300, seed=7)
        return services.clustering_run_request(**FAST)


def test_a_run_publishes_phenotypes_assignments_and_comparisons(published):
    run = published
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


def test_an_unchanged_cohort_is_skipped_without_recomputing(published):
    first = published
    second = services.clustering_run_request(**FAST)
    assert second.status == RunStatus.SKIPPED
    assert f"run {first.pk}" in second.skipped_reason
    assert second.phenotypes.count() == 0
    assert ClusteringRun.objects.current() == first


def test_changed_parameters_are_not_skipped(published):
    other = services.clustering_run_request(**{**FAST, "k": 3})
    assert other.status == RunStatus.SUCCEEDED
    assert other.phenotypes.count() == 3


def test_a_failure_keeps_the_previous_results_current(published, monkeypatch):
    good = published
    GaitSessionFactory()  # the input changes, so the next run is not skipped

    def broken(*args, **kwargs):
        raise ValueError("synthetic failure inside the pipeline")

    monkeypatch.setattr(services, "run_pipeline", broken)
    bad = services.clustering_run_request(**FAST)
    assert bad.status == RunStatus.FAILED
    assert "synthetic failure inside the pipeline" in bad.error
    assert bad.phenotypes.count() == 0 and bad.assignments.count() == 0
    assert ClusteringRun.objects.current() == good


def test_a_visit_deleted_while_the_run_computes_is_left_out_and_the_rest_published(
    published, monkeypatch, client
):
    """The cohort is read, then a clinician deletes a visit while the maths runs: the run
    still publishes, without that visit's label, and says how many it left out."""
    GaitSessionFactory()  # the input changes, so the run is not skipped
    real = services.run_pipeline
    gone = {}

    def delete_one_then_compute(frame, **kwargs):
        visit_id = int(frame["visit_id"].iloc[0])
        from registry.models import Visit
        from registry.services import visit_delete

        visit = Visit.objects.get(pk=visit_id)
        gone.update(visit=visit_id, patient=visit.patient_id)
        visit_delete(user=UserFactory(is_superuser=True), visit=visit, with_walks=True)
        return real(frame, **kwargs)

    monkeypatch.setattr(services, "run_pipeline", delete_one_then_compute)
    run = services.clustering_run_request(**FAST)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert not run.assignments.filter(visit_id=gone["visit"]).exists()
    assert run.assignments.count() == run.cohort_size - 1
    assert run.exclusions["visits_gone_before_publish"] == 1
    assert ClusteringRun.objects.current() == run
    client.force_login(UserFactory(is_superuser=True))
    page = client.get(f"/phenotypes/?run={run.pk}").content.decode()
    assert "1 visit was deleted or moved to another patient while the run computed" in page


def test_a_run_whose_lease_expired_is_failed_by_the_next_one_whatever_its_worker(published):
    stuck = services.clustering_run_create(trigger="schedule")
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    ClusteringRun.objects.filter(pk=stuck.pk).update(
        status="running",
        started_at=long_ago,
        worker="gone@old-container",
        lease_token="x" * 32,
        lease_expires_at=long_ago,
    )
    GaitSessionFactory()  # the input changes, so the fresh run computes instead of skipping
    fresh = services.clustering_run_request(**FAST)
    stuck.refresh_from_db()
    assert stuck.status == RunStatus.FAILED and "no heartbeat" in stuck.error
    assert fresh.status == RunStatus.SUCCEEDED


def test_a_new_visit_gets_a_provisional_phenotype_without_a_rerun(
    published, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        run = published
        patient = Patient.objects.order_by("patient_id").first()
        visit = VisitFactory(patient=patient, visit_date=datetime.date(2025, 10, 1))
        # A slow, short-stepped, irregular walk (0.5 m/s at 84 steps/min).
        walk = GaitSessionFactory.build(
            visit=visit,
            velocity_m_s=0.5,
            cadence_steps_min=84.0,
            stride_length_m=0.714,
            step_length_m=0.357,
            double_support_pct=36.0,
            swing_pct=32.0,
            stance_pct=68.0,
            stride_length_cv_pct=11.0,
            stride_time_cv_pct=9.0,
        )
        with django_capture_on_commit_callbacks(execute=True):
            gait_session_create(user=UserFactory(is_superuser=True), session=walk)
        assignment = PhenotypeAssignment.objects.get(visit=visit)
    finally:
        app.conf.task_always_eager = False
    assert assignment.provisional is True
    assert assignment.run == run
    assert assignment.phenotype.run == run
    # The nearest centroid of the run's model, measured here on the stored model.
    model = FittedModel.from_dict(run.model)
    frame = cohort_frame(visit_choice="all", patient_ids=[patient.pk]).frame
    point = project(model, frame[frame["visit_id"] == visit.pk])[0]
    distances = np.linalg.norm(np.array(model.centroids_pca) - point, axis=1)
    nearest = int(np.argmin(distances))
    assert assignment.phenotype.stable_id == model.stable_ids[nearest]
    assert assignment.distance == pytest.approx(distances[nearest])
    # ... and that is the slowest, least stable phenotype of the cohort.
    slowest = min(run.phenotypes.all(), key=lambda p: p.centroid["velocity_m_s"])
    assert assignment.phenotype == slowest
    # The provisional label is now the patient's current one, and the only one.
    current = run.assignments.filter(patient=patient, latest=True)
    assert list(current) == [assignment]
    assert assignment.pc1 == pytest.approx(point[0])
    assert assignment.phenotype.name == "slow severely unstable"
