"""The Celery application; tasks are discovered in each installed app's tasks.py."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def limit_numeric_threads(**kwargs):
    """Each pool process computes with ANALYTICS_THREADS BLAS/OpenMP threads (1 by
    default): several worker processes beside the web and the database would otherwise
    each start one thread per core and spin against each other. Parallel work comes
    from processes (the engine's loky pool), never threads inside threads."""
    from django.conf import settings
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=settings.ANALYTICS_THREADS)
