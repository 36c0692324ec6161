"""An import of interchange files uploaded on the import page and run by a worker.

The job row is what the status page shows while the import runs (stage, rows done of
rows total) and what stays afterwards (counts per file, the number of errors). The
uploaded files themselves are deleted when the run ends; only the error report is kept.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models.fields import choice_check
from registry.models.jobs import LeasedJob


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    REJECTED = "rejected", _("Rejected (errors found, nothing written)")
    FAILED = "failed", _("Failed (unexpected error, nothing written)")


FINISHED = [ImportStatus.SUCCEEDED, ImportStatus.REJECTED, ImportStatus.FAILED]


class ImportJob(LeasedJob):
    Status = ImportStatus
    FINISHED = FINISHED

    # Random, so a job's address says nothing about how many imports there were.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_jobs",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"), default=timezone.now, db_index=True
    )
    started_at = models.DateTimeField(verbose_name=_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(verbose_name=_("finished at"), null=True, blank=True)
    status = models.CharField(
        verbose_name=_("status"),
        max_length=16,
        choices=ImportStatus.choices,
        default=ImportStatus.QUEUED,
    )
    dry_run = models.BooleanField(
        verbose_name=_("dry run"),
        default=False,
        help_text=_("Validate and count only; nothing is written."),
    )
    file_names = models.JSONField(default=list, blank=True, verbose_name=_("files"))
    stage = models.CharField(
        max_length=16, blank=True, help_text=_("validating or writing"), verbose_name=_("stage")
    )
    rows_done = models.PositiveIntegerField(verbose_name=_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(verbose_name=_("rows in total"), default=0)
    counts = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Per file: created, updated, unchanged, rejected (a list keeps file order)."),
        verbose_name=_("counts per file"),
    )
    error_count = models.PositiveIntegerField(verbose_name=_("errors"), default=0)
    message = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("Why a failed job failed."),
        verbose_name=_("message"),
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        constraints = [
            choice_check("registry_importjob", "status", ImportStatus.values),
            models.CheckConstraint(
                condition=Q(rows_done__lte=F("rows_total")),
                name="registry_importjob_rows_done_within_total",
            ),
            # A finished job says when it finished; an unfinished one has not.
            models.CheckConstraint(
                condition=Q(status__in=FINISHED, finished_at__isnull=False)
                | (~Q(status__in=FINISHED) & Q(finished_at__isnull=True)),
                name="registry_importjob_finished_at_iff_finished",
            ),
            # The message explains a failure; any other job has none to show.
            models.CheckConstraint(
                condition=Q(status=ImportStatus.FAILED) | Q(message=""),
                name="registry_importjob_message_only_when_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"import {str(self.id)[:8]} ({self.status})"

    @classmethod
    def lost_text(cls) -> str:
        return gettext(
            "The worker stopped during the import (no heartbeat for %(seconds)s s); nothing "
            "was imported. Please upload the files again."
        ) % {"seconds": settings.JOB_LEASE_SECONDS}

    @classmethod
    def lease_lost(cls, pk) -> None:
        # Patient data does not stay on disk for a job that can no longer run.
        from registry.importing.jobs import import_job_files_delete

        import_job_files_delete(pk)

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent_done(self) -> int:
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class ImportedFile(models.Model):
    """The content hash of the last file of each kind that an import wrote (or found
    unchanged), with the registry's state right after: the highest audit-history id of
    every clinical table. Every write by any door adds a history row, so the same hash
    and the same state mean every row of the file is still stored as it is: the import
    can say "unchanged" without reading it row by row."""

    kind = models.CharField(max_length=16)
    scope = models.CharField(
        max_length=500, blank=True, help_text="The centres the import was limited to; empty: all."
    )
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    state = models.JSONField(help_text=_("Highest history id per clinical table after the import."))
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("imported file")
        verbose_name_plural = _("imported files")
        constraints = [
            models.UniqueConstraint(fields=["kind", "scope"], name="registry_importedfile_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"
