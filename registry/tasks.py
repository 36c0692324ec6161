"""Thin Celery tasks of the registry: plain ids in, a service call, nothing else."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from registry import leases
from registry.importing import jobs

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="registry.import_files",
    soft_time_limit=settings.IMPORT_SOFT_TIME_LIMIT,
    time_limit=settings.IMPORT_TIME_LIMIT,
)
def import_files(self, job_id: str):
    """Run one import job from the upload page (a second delivery does nothing)."""
    job = jobs.import_job_run(job_id=job_id, worker=self.request.hostname or "")
    return {"job_id": job_id, "status": job.status if job else None}


@shared_task(name="registry.fail_lost_jobs", soft_time_limit=120, time_limit=150)
def fail_lost_jobs():
    """The periodic sweep: fail runs and imports whose worker stopped renewing the lease."""
    return leases.jobs_fail_lost()


@worker_ready.connect
def _fail_lost_jobs_on_start(sender=None, **kwargs):
    # A (re)started worker sweeps at once rather than waiting for the beat.
    try:
        leases.jobs_fail_lost()
    except Exception:
        log.exception("could not sweep lost jobs at worker start")
