"""The one lease and heartbeat implementation for long jobs (reanalysis runs, upload
imports; any model built on `LeasedJob`).

- `lease_claim` moves a waiting job to running with a fresh lease (a conditional UPDATE:
  of two deliveries only one claims it).
- `Heartbeat` renews the lease from a background thread while the job runs.
- `lease_fence` is called inside the job's final write transaction: it locks the job row
  and renews the lease, or raises `LeaseLost` if the job was failed meanwhile, so a job
  that was declared lost can never publish afterwards.
- `leases_fail_expired` fails every running job whose lease has expired (its process
  died: a killed pool child, a worker restarted under another name, a lost database
  connection) and runs the model's clean-up. The periodic sweep and every claimant call it.
"""

from __future__ import annotations

import datetime
import logging
import os
import threading
import uuid

from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone

from registry.models.jobs import LeasedJob

log = logging.getLogger(__name__)


class LeaseLost(RuntimeError):
    """The job was failed as lost while this process still ran it; nothing is published."""


def lease_duration() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.JOB_LEASE_SECONDS)


def lease_claim(model: type[LeasedJob], pk, *, from_status: str, worker: str, **fields) -> str:
    """Claim a waiting job for this process; returns the lease token, or "" when another
    delivery holds or finished it."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = model.objects.filter(pk=pk, status=from_status).update(
        status=model.RUNNING,
        started_at=now,
        worker=worker,
        worker_pid=os.getpid(),
        lease_token=token,
        lease_expires_at=now + lease_duration(),
        heartbeat_at=now,
        **fields,
    )
    return token if claimed else ""


def lease_release_fields() -> dict:
    """Fields that hand a running job back to waiting (for a retry)."""
    return {
        "started_at": None,
        "worker": "",
        "worker_pid": None,
        "lease_token": "",
        "lease_expires_at": None,
        "heartbeat_at": None,
    }


def lease_renew(model: type[LeasedJob], pk, token: str, *, using: str = "default") -> bool:
    now = timezone.now()
    return bool(
        model.objects.using(using)
        .filter(pk=pk, status=model.RUNNING, lease_token=token)
        .update(lease_expires_at=now + lease_duration(), heartbeat_at=now)
    )


def lease_fence(model: type[LeasedJob], pk, token: str) -> None:
    """Inside the job's final transaction: still ours? Locks the row until the commit (a
    sweep waits, then sees a fresh lease) or raises LeaseLost (the caller rolls back)."""
    if not lease_renew(model, pk, token):
        raise LeaseLost(f"{model._meta.verbose_name} {pk} was failed as lost while it ran")


class Heartbeat:
    """Renews a job's lease every JOB_HEARTBEAT_SECONDS from a daemon thread (with its
    own database connection, so it commits while the job's transaction is open)."""

    def __init__(self, model: type[LeasedJob], pk, token: str) -> None:
        self.model, self.pk, self.token = model, pk, token
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{pk}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=settings.JOB_HEARTBEAT_SECONDS + 30)

    def _taken_over(self) -> bool:
        """Is the job still running without this lease, or failed (the sweep)?"""
        status = self.model.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        return status in (self.model.RUNNING, self.model.FAILED)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    if not lease_renew(self.model, self.pk, self.token):
                        # The job finishing (which ends its lease) can meet a beat; only
                        # a lease ended by somebody else is worth a warning.
                        if not self._stop.is_set() and self._taken_over():
                            log.warning("lease of %s %s is gone", self.model.__name__, self.pk)
                        return
                except Exception:
                    # The job's own transaction may hold the database (SQLite) or it may
                    # be restarting: try again at the next beat; the fence decides.
                    log.warning("heartbeat of %s %s failed", self.model.__name__, self.pk)
                    close_old_connections()
        finally:
            connections.close_all()


def leased_models() -> list[type[LeasedJob]]:
    return [m for m in apps.get_models() if issubclass(m, LeasedJob)]


def leases_fail_expired(model: type[LeasedJob], *, message: str | None = None) -> list:
    """Fail the running jobs of one kind whose lease has expired (saying why: the kind's
    `lost_message` unless told otherwise); returns their keys."""
    message = model.lost_message() if message is None else message
    now = timezone.now()
    expired = model.objects.filter(status=model.RUNNING, lease_expires_at__lt=now)
    failed = []
    for pk in list(expired.values_list("pk", flat=True)):
        # Conditional again: a heartbeat or the fence may have renewed it meanwhile. The
        # clean-up runs before the commit, so nobody sees the job failed while its files
        # are still on disk.
        with transaction.atomic():
            done = model.objects.filter(
                pk=pk, status=model.RUNNING, lease_expires_at__lt=timezone.now()
            ).update(
                status=model.FAILED,
                finished_at=timezone.now(),
                lease_token="",
                **{model.failure_field: message},
            )
            if done:
                model.lease_lost(pk)
        if done:
            log.warning("%s %s lost its worker: failed", model.__name__, pk)
            failed.append(pk)
    return failed


def jobs_fail_lost() -> dict[str, int]:
    """The sweep: fail lost jobs of every kind. Returns how many per model."""
    return {m._meta.label: len(leases_fail_expired(m)) for m in leased_models()}
