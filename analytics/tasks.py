"""Thin Celery tasks: plain ids and values in, a service call, nothing else."""

from celery import shared_task
from django.conf import settings

from analytics import services


@shared_task(
    bind=True,
    name="analytics.recluster_cohort",
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=10,
    max_retries=3,
    soft_time_limit=settings.CLUSTERING_SOFT_TIME_LIMIT,
    time_limit=settings.CLUSTERING_TIME_LIMIT,
)
def recluster_cohort(self, run_id: int | None = None, trigger: str = "schedule", **params):
    """Compute a run; without a run id (the nightly schedule) create one first."""
    if run_id is None:
        run_id = services.clustering_run_create(trigger=trigger, **params).pk
    run = services.clustering_run_execute(run_id=run_id, worker=self.request.hostname or "")
    return {"run_id": run.pk, "status": run.status}


@shared_task(
    name="analytics.assign_provisional",
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=60,
    time_limit=90,
)
def assign_provisional(visit_id: int):
    assignment = services.visit_assign_provisional(visit_id=visit_id)
    return assignment.pk if assignment else None
