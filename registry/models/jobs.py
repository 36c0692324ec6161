"""What every long job row (a reanalysis run, an upload import) carries so that a lost
worker cannot leave it "running": who holds it and until when.

The process running a job holds a lease on its row and a heartbeat renews it; a job whose
lease has expired is failed by the next claimant or the periodic sweep, whatever the name
of the worker that held it (`registry.leases`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class LeasedJob(models.Model):
    # Status values shared by every job kind.
    RUNNING = "running"
    FAILED = "failed"
    # The text field that says why a failed job failed.
    failure_field = "message"

    worker = models.CharField(max_length=255, blank=True, verbose_name=_("worker"))
    worker_pid = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Process that holds the lease (for operators)."),
        verbose_name=_("worker process"),
    )
    lease_token = models.CharField(
        max_length=32,
        blank=True,
        help_text=_("Identifies the holder of the current lease."),
        verbose_name=_("lease token"),
    )
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Failed as lost once this has passed."),
        verbose_name=_("lease expires at"),
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last heartbeat"))

    class Meta:
        abstract = True

    @classmethod
    def lost_message(cls) -> str:
        """Why a job whose lease expired was failed (stored in `failure_field`), in the
        registry's language whichever request or worker process sweeps it."""
        with translation.override(settings.LANGUAGE_CODE):
            return cls.lost_text()

    @classmethod
    def lost_text(cls) -> str:
        """The kind's own explanation, translated into the active language."""
        raise NotImplementedError

    @classmethod
    def lease_lost(cls, pk) -> None:
        """Clean-up after a lost job was failed by someone other than its holder."""
