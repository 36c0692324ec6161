"""Thin Celery tasks of the registry: plain ids in, a service call, nothing else."""

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from registry.importing import jobs


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


@worker_ready.connect
def _fail_imports_lost_by_this_worker(sender=None, **kwargs):
    # Imports this worker held when it died can no longer finish: fail them and delete
    # their uploaded files.
    jobs.import_jobs_fail_lost(worker=sender.hostname)
