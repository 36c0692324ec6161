"""Imports from the upload page: the uploaded files wait in a private folder per job
until a worker runs `services.records_import` on them; the job row carries the progress and the
outcome, and an error report (file, line, column, message) is kept beside it.

The uploaded data files are deleted as soon as the run ends, however it ends: patient
data does not linger on disk. Only the error report stays (it is served to the job's
owner and to administrators only). The one exception is a clean dry run: its files wait
IMPORT_DRY_RUN_KEEP_HOURS so that "Import these files now" needs no second upload; the
next import (or any finished job) deletes them after that.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from registry import access, leases
from registry.access import import_scope
from registry.importing.service import (
    ALLOWED_NAMES,
    ImportConflict,
    ImportReport,
    RowError,
    interchange_order,
)
from registry.models import ImportJob, ImportStatus
from registry.services import records_import
from registry.spreadsheets import spreadsheet_safe

log = logging.getLogger(__name__)

UPLOADS = "uploads"
ERROR_REPORT = "errors.csv"
ERROR_HEADER = ("file", "line", "column", "message")
PROGRESS_DB = "progress"
MESSAGE_LENGTH = ImportJob._meta.get_field("message").max_length


class ImportRefused(ValueError):
    """The upload cannot become an import job; the message says why, for the user."""


def job_directory(job_id) -> Path:
    return Path(settings.IMPORT_UPLOAD_ROOT) / str(job_id)


def error_report_path(job: ImportJob) -> Path:
    return job_directory(job.pk) / ERROR_REPORT


# --- Writes ----------------------------------------------------------------------------


def import_files_check(names: Iterable[str]) -> list[str]:
    """The file names in import order, or ImportRefused naming the first bad one."""
    names = list(names)
    if not names:
        raise ImportRefused(f"Choose at least one file: {', '.join(ALLOWED_NAMES)}.")
    try:
        return interchange_order(names)
    except ValueError as exc:
        raise ImportRefused(str(exc)) from None


def import_job_create(*, user, files, dry_run: bool = False) -> ImportJob:
    """Save uploaded files (objects with .name and .chunks(), e.g. Django's uploads) for
    an import job and queue the job once the transaction commits.

    PermissionError if the user may not import at all; ImportRefused for bad names."""
    import_scope(user)
    by_name = {Path(f.name).name: f for f in files}
    names = import_files_check(Path(f.name).name for f in files)
    job = ImportJob(user=user, dry_run=dry_run, file_names=names)
    folder = job_directory(job.pk)
    try:
        _save_uploads(folder / UPLOADS, [(name, by_name[name]) for name in names])
        with transaction.atomic():
            job.full_clean()
            job.save()
            transaction.on_commit(lambda: _queue(job.pk))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return job


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _save_uploads(folder: Path, files: list[tuple[str, object]]) -> None:
    _private_dir(Path(settings.IMPORT_UPLOAD_ROOT))
    _private_dir(folder.parent)
    folder.mkdir(mode=0o700)
    for name, upload in files:
        # Only the owner reads patient data; O_EXCL: never write through a planted link.
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)


def _queue(job_id) -> None:
    from registry.tasks import import_files

    try:
        import_files.delay(job_id=str(job_id))
    except Exception:
        # Broker down: say so on the page rather than leave the job queued forever.
        log.exception("could not queue import %s", job_id)
        failed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message="The import could not be handed to a worker (task queue unavailable); "
            "nothing was imported. Please upload the files again later.",
        )
        if failed:
            import_uploads_delete(job_id)


class _Progress:
    """The importer's progress callback: remembers the latest stage and row counts and
    shows them on the job row while the import runs.

    The importer writes inside its own transaction.atomic() on "default". An UPDATE of
    the job row through "default" would join that transaction: the status page would see
    nothing until the import commits (and a dry run rolls it back). So while "default"
    is inside a transaction the row is updated through the "progress" alias, a second
    connection to the same database in autocommit mode, whose UPDATE commits at once.
    That is only safe if the import's transaction holds no lock on the job row, i.e. the
    run did not start inside a caller's transaction (the claim committed before). SQLite
    has one writer at a time, so there the second connection would only wait for the
    import to commit; the values are then written when the run ends (`_finish`).
    """

    def __init__(self, job_id, *, separate_connection: bool) -> None:
        self.job_id = job_id
        self.stage, self.done, self.total = "", 0, 0
        self.separate = (
            separate_connection
            and PROGRESS_DB in connections
            and connections[PROGRESS_DB].vendor != "sqlite"
        )

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.stage, self.done, self.total = stage, min(done, total), total
        if not connection.in_atomic_block:
            alias = "default"
        elif self.separate:
            alias = PROGRESS_DB
        else:
            return
        try:
            ImportJob.objects.using(alias).filter(pk=self.job_id).update(
                stage=self.stage, rows_done=self.done, rows_total=self.total
            )
        except Exception:
            # Progress is a courtesy: never let it break the import itself.
            log.warning("progress of import %s not recorded", self.job_id, exc_info=True)


def import_job_run(*, job_id, worker: str = "") -> ImportJob | None:
    """Run a queued job once: claim it with a lease (queued -> running; another delivery
    of the same job finds it claimed and does nothing), import while a heartbeat renews
    the lease, record the outcome, delete the uploaded files.

    The import commits only if the job still holds its lease (`lease_fence`): a job that
    the sweep failed as lost meanwhile writes nothing."""
    started_inside_transaction = connection.in_atomic_block
    leases.leases_fail_expired(ImportJob)
    token = leases.lease_claim(ImportJob, job_id, from_status=ImportStatus.QUEUED, worker=worker)
    if not token:
        return ImportJob.objects.filter(pk=job_id).first()
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    progress = _Progress(job.pk, separate_connection=not started_inside_transaction)
    keep = False
    with leases.Heartbeat(ImportJob, job.pk, token), _ErrorReport(error_report_path(job)) as sink:
        try:
            report = records_import(
                user=job.user,
                paths=[job_directory(job.pk) / UPLOADS],
                dry_run=job.dry_run,
                progress=progress,
                before_commit=lambda: leases.lease_fence(ImportJob, job.pk, token),
                error_sink=sink,
                errors_kept=0,  # streamed to the report file, not held in memory
            )
            outcome = _outcome(report)
            keep = job.dry_run and outcome["status"] == ImportStatus.SUCCEEDED
        except Exception as exc:
            log.exception("import %s failed", job.pk)
            outcome = {"status": ImportStatus.FAILED, "message": _failure_message(exc)}
        finally:
            if not keep:
                import_uploads_delete(job.pk)
        _finish(job.pk, token, progress, **outcome)
    # Retention without a separate schedule: each finished import clears reports past it.
    try:
        import_reports_purge()
        _dry_run_uploads_purge()
    except OSError:
        log.exception("could not purge old import error reports")
    return ImportJob.objects.get(pk=job.pk)


def _outcome(report: ImportReport) -> dict:
    counts = [
        {
            "file": report.files[kind],
            "created": c.created,
            "updated": c.updated,
            "unchanged": c.unchanged,
            "rejected": c.rejected,
        }
        for kind, c in report.counts.items()
    ]
    status = ImportStatus.SUCCEEDED if report.ok else ImportStatus.REJECTED
    return {"status": status, "counts": counts, "error_count": report.error_count}


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, PermissionError):
        text = f"{exc}; nothing was imported."
    elif isinstance(exc, ImportConflict):
        text = str(exc)
    else:
        text = f"Unexpected error, nothing was imported: {type(exc).__name__}: {exc}"
    return text if len(text) <= MESSAGE_LENGTH else text[: MESSAGE_LENGTH - 1] + "…"


def _finish(job_id, token: str, progress: _Progress, **outcome) -> None:
    ImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING, lease_token=token).update(
        finished_at=timezone.now(),
        lease_expires_at=None,
        stage=progress.stage,
        rows_done=progress.done,
        rows_total=progress.total,
        **outcome,
    )


class _ErrorReport:
    """The job's error report, written row by row as the importer finds errors (so a
    file with many errors costs disk, bounded per file, not memory). Created at the
    first error: an import without errors leaves no file."""

    def __init__(self, path: Path) -> None:
        self.path, self.count, self.handle = path, 0, None

    def __enter__(self):
        return self

    def __call__(self, e: RowError) -> None:
        if self.handle is None:
            _private_dir(self.path.parent)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            # With a byte-order mark, spreadsheet programs read the UTF-8 (ranges say "…").
            self.handle = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
            self.writer = csv.writer(self.handle)
            self.writer.writerow(ERROR_HEADER)
        self.count += 1
        self.writer.writerow(
            (e.file, e.line, spreadsheet_safe(e.column), spreadsheet_safe(e.message))
        )

    def __exit__(self, *exc_info) -> None:
        if self.handle is not None:
            self.handle.close()


def import_job_files_delete(job_id) -> None:
    """Delete everything a job left on disk (uploads and any partial error report): for
    a job that was failed as lost, whose counts and report can no longer be trusted."""
    shutil.rmtree(job_directory(job_id), ignore_errors=True)


def import_uploads_delete(job_id) -> None:
    """Delete the uploaded data files of a job (its error report stays)."""
    folder = job_directory(job_id) / UPLOADS
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        pass
    except OSError:
        log.exception("could not delete the uploaded files of import %s in %s", job_id, folder)
    # The job's folder goes too, unless it keeps an error report.
    with contextlib.suppress(OSError):
        folder.parent.rmdir()


def dry_run_uploads_ready(job: ImportJob) -> bool:
    """The clean dry run's files are still there to be imported for real."""
    return (
        job.dry_run
        and job.status == ImportStatus.SUCCEEDED
        and job.finished_at is not None
        and job.finished_at >= timezone.now() - _dry_run_keep()
        and (job_directory(job.pk) / UPLOADS).is_dir()
    )


def import_job_from_dry_run(*, user, job: ImportJob) -> ImportJob:
    """A real import of the files a clean dry run checked, queued like an upload; the
    files move to the new job's folder (and are deleted when it ends)."""
    import_scope(user)
    if not dry_run_uploads_ready(job):
        raise ImportRefused(
            "The files of this dry run are no longer kept (they wait "
            f"{settings.IMPORT_DRY_RUN_KEEP_HOURS} hours); please upload them again."
        )
    new = ImportJob(user=user, dry_run=False, file_names=list(job.file_names))
    _private_dir(job_directory(new.pk))
    os.rename(job_directory(job.pk) / UPLOADS, job_directory(new.pk) / UPLOADS)
    with contextlib.suppress(OSError):
        job_directory(job.pk).rmdir()
    try:
        with transaction.atomic():
            new.full_clean()
            new.save()
            transaction.on_commit(lambda: _queue(new.pk))
    except BaseException:
        shutil.rmtree(job_directory(new.pk), ignore_errors=True)
        raise
    return new


def _dry_run_keep() -> timezone.timedelta:
    return timezone.timedelta(hours=settings.IMPORT_DRY_RUN_KEEP_HOURS)


def _dry_run_uploads_purge() -> None:
    cutoff = timezone.now() - _dry_run_keep()
    old = ImportJob.objects.filter(
        dry_run=True, status=ImportStatus.SUCCEEDED, finished_at__lt=cutoff
    )
    for job_id in old.values_list("pk", flat=True).iterator():
        if (job_directory(job_id) / UPLOADS).exists():
            import_uploads_delete(job_id)


def import_reports_purge(*, older_than_days: int | None = None) -> int:
    """Delete the error reports of jobs that finished more than `older_than_days` ago
    (default: the IMPORT_REPORT_RETENTION_DAYS setting); the job rows and their counts
    stay. Returns how many reports were deleted."""
    days = settings.IMPORT_REPORT_RETENTION_DAYS if older_than_days is None else older_than_days
    if days < 0:
        raise ValueError(f"older_than_days = {days} is outside the allowed range 0 … ∞")
    cutoff = timezone.now() - timezone.timedelta(days=days)
    old = ImportJob.objects.filter(finished_at__lt=cutoff, error_count__gt=0)
    deleted = 0
    for job_id in old.values_list("pk", flat=True).iterator():
        folder = job_directory(job_id)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            deleted += 1
    return deleted


# --- Reads -----------------------------------------------------------------------------


def import_job_list(*, user):
    """The jobs a user may see: their own, or every job for a superuser."""
    jobs = ImportJob.objects.select_related("user")
    return access.import_jobs_for_user(jobs, user)


def import_job_errors(*, job: ImportJob, limit: int = 100) -> list[str]:
    """The first errors of a job's report as `file:line: column: message`."""
    path = error_report_path(job)
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = itertools.islice(csv.DictReader(handle), limit)
        return [f"{r['file']}:{r['line']}: {r['column']}: {r['message']}" for r in rows]
