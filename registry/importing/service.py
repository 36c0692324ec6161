"""registry_import: validate every file completely, then write all of them in one
transaction (or nothing at all), streaming so memory stays flat in file size.

On PostgreSQL valid rows are staged on disk while they are checked and written by COPY
plus one upsert per file (`copy_upsert`); elsewhere (the embedded SQLite default) a
second pass upserts batch by batch through the ORM. Both keep the audit trail.

`progress(stage, done, total)` is called with stage "validating" or "writing" and the
data rows done so far out of all rows in the files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from registry.importing import copy_upsert, known_files
from registry.importing.spec import KINDS, SPECS
from registry.importing.validation import (
    RowError,
    check_header,
    check_readable,
    date_rules,
    patient_rules,
    rows,
)
from registry.labels import labelled
from registry.models import Center, GaitSession, MriScan, Patient, Visit
from registry.quality import gait_flags, mri_flags
from registry.signals import records_imported

BATCH = 2000
PROGRESS_EVERY = 5000

Progress = Callable[[str, int, int], None]


class ImportConflict(ValueError):
    """The database changed under the import so that a row may no longer be written;
    the whole import was rolled back. The message names file, line and column."""


def _owner_changed(file: str, line: int, patient_id: str) -> ImportConflict:
    return ImportConflict(
        f"{file}:{line}: patient_id: {patient_id!r} is not a patient you may import into "
        "(the records changed while this import ran); nothing was imported. Run the import "
        "again to see every row's result."
    )


class ImportRejected(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{report.error_count} errors; nothing was imported")
        self.report = report


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportReport:
    """Counts per file and the errors. Every error goes to `sink` as it is found (the
    upload job streams them into its report file); `errors` keeps the first `keep` of
    them (all when keep is None) and `error_count` counts them all."""

    files: dict[str, str] = field(default_factory=dict)  # kind -> file name
    counts: dict[str, Counts] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    error_count: int = 0
    keep: int | None = None
    sink: Callable[[RowError], None] | None = None
    # Every file was the last one imported of its kind and nothing was written since:
    # all rows were reported unchanged without being read (`importing.known_files`).
    known_unchanged: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_errors(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.error_count += 1
            if self.sink is not None:
                self.sink(error)
            if self.keep is None or len(self.errors) < self.keep:
                self.errors.append(error)

    def lines(self) -> list[str]:
        out = [str(e) for e in self.errors]
        if self.error_count > len(self.errors):
            out.append(f"… and {self.error_count - len(self.errors)} more errors")
        for kind, c in self.counts.items():
            out.append(
                f"{self.files[kind]}: {c.created} created, {c.updated} updated, "
                f"{c.unchanged} unchanged, {c.rejected} rejected"
            )
        return out


ALLOWED_NAMES = tuple(f"{kind}.csv" for kind in KINDS)


def interchange_order(names: Iterable[str]) -> list[str]:
    """File names in import order; ValueError naming a file that is not one of the five
    interchange files or that comes twice."""
    names = list(names)
    for name in names:
        if name not in ALLOWED_NAMES:
            raise ValueError(
                f"{name}: not an interchange file. Files are recognised by their name, "
                f"which must be one of {', '.join(ALLOWED_NAMES)}."
            )
    for name in sorted(set(names)):
        if names.count(name) > 1:
            raise ValueError(f"{name} was given twice; give each file once.")
    return sorted(names, key=ALLOWED_NAMES.index)


def discover(paths: Iterable[str | Path]) -> dict[str, Path]:
    """Files by kind, recognised by name, from files and directories."""
    candidates: list[Path] = []
    for raw in paths:
        path = Path(raw)
        candidates += sorted(path.glob("*.csv")) if path.is_dir() else [path]
    by_name = {candidate.name: candidate for candidate in candidates}
    return {
        Path(name).stem: by_name[name] for name in interchange_order(c.name for c in candidates)
    }


class _Known:
    """Natural keys that exist in the database or earlier in this import."""

    def __init__(self) -> None:
        self.centers = set(Center.objects.values_list("code", flat=True))
        self.patients = {
            pid: (center, birth)
            for pid, center, birth in Patient.objects.values_list(
                "patient_id", "center__code", "birth_year"
            )
        }
        self.visits = set(Visit.objects.values_list("patient__patient_id", "visit_date"))


def count_rows(path: Path) -> int:
    """Data rows of a file, for progress (a line count; quoted line breaks are rare)."""
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        handle.seek(max(handle.tell() - 1, 0))
        unterminated = handle.read(1) not in (b"\n", b"")
    return max(lines + unterminated - 1, 0)


def _validate(kind, path, known, allowed, report, stage, tick) -> None:
    spec = SPECS[kind]
    header = check_readable(path) or check_header(path, spec)
    if header:
        report.add_errors(header)
        return
    seen: dict[tuple, int] = {}  # only without a stage: the database finds those
    counts = report.counts[kind]
    limit = settings.IMPORT_MAX_ERRORS_PER_FILE
    found = 0
    for line, values, errors in rows(path, spec):
        if found >= limit:
            # The file is rejected anyway; more errors would only cost time and disk.
            report.add_errors([_stopped(path.name, line, limit)])
            return
        tick()
        # The rules' own messages (those of the forms and API), with the fields' labels.
        problems = [(c, labelled(m, spec.model)) for c, m in _RULES[kind](values, known, allowed)]
        if stage is None and not errors:
            first = seen.setdefault(tuple(values.get(k) for k in spec.key), line)
            if first != line:
                problems.append((spec.key[-1], _duplicate(spec, first)))
        errors += [RowError(path.name, line, column, message) for column, message in problems]
        if errors:
            counts.rejected += 1
            found += len(errors)
            report.add_errors(errors)
        elif stage is not None:
            stage.add(line, values)
    if stage is not None:
        stage.load()
        for line, first in stage.duplicates(spec.key):
            if found >= limit:
                report.add_errors([_stopped(path.name, line, limit)])
                return
            counts.rejected += 1
            found += 1
            report.add_errors([RowError(path.name, line, spec.key[-1], _duplicate(spec, first))])


def _stopped(name: str, line: int, limit: int) -> RowError:
    return RowError(
        name,
        line,
        "-",
        f"stopped after {limit} errors in this file (IMPORT_MAX_ERRORS_PER_FILE); the rest "
        "of it was not checked",
    )


Problems = list[tuple[str, str]]  # (column, message) of one row


# An importer limited to some centres gets one answer for anything outside them, whether
# it exists elsewhere or not, and no other rule runs on that row: no message may tell
# another centre's codes, pseudonyms, birth years or visit dates.


def _not_yours_center(code: str, allowed) -> str:
    if allowed is None:
        return f"{code!r} is not an existing centre"
    return f"{code!r} is not one of your centres"


def _not_yours_patient(pid: str, allowed) -> str:
    if allowed is None:
        return f"{pid!r} is not an existing patient"
    return f"{pid!r} is not a patient of your centres"


def _center_rules(values: dict, known: _Known, allowed) -> Problems:
    code = values.get("center")
    if code and allowed is not None and code not in allowed:
        return [("center", _not_yours_center(code, allowed))]
    known.centers.add(code)
    return []


def _patient_rules(values: dict, known: _Known, allowed) -> Problems:
    pid, center = values.get("patient_id"), values.get("center")
    if center and (center not in known.centers or (allowed is not None and center not in allowed)):
        return [("center", _not_yours_center(center, allowed))]
    owner = known.patients.get(pid)
    if allowed is not None and owner is not None and owner[0] not in allowed:
        # Pseudonyms are unique across the registry, so this one cannot be hidden; the
        # message says only that, and nothing of the patient behind it.
        return [("patient_id", f"{pid!r} is already used in the registry; choose another")]
    if pid:
        known.patients[pid] = (center, values.get("birth_year"))
    return patient_rules(values)


def _child_rules(date_column: str | None):
    """Rules of a row that belongs to a patient: visits and MRI scans check their date
    against the patient's birth year; gait sessions need the patient's visit that day.
    A patient outside the importer's centres is answered like an unknown one."""

    def rules(values: dict, known: _Known, allowed) -> Problems:
        pid = values.get("patient_id")
        if pid is None:
            return []
        parent = known.patients.get(pid)
        if parent is None or (allowed is not None and parent[0] not in allowed):
            return [("patient_id", _not_yours_patient(pid, allowed))]
        problems = []
        if date_column:
            problems += date_rules(values, parent[1], date_column)
        visit = (pid, values.get("visit_date"))
        if date_column == "visit_date" and visit[1]:
            known.visits.add(visit)
        elif date_column is None and visit[1] and visit not in known.visits:
            problems.append(("visit_date", f"no visit of {pid} on {visit[1]}"))
        return problems

    return rules


_RULES = {
    "centers": _center_rules,
    "patients": _patient_rules,
    "visits": _child_rules("visit_date"),
    "gait": _child_rules(None),
    "mri": _child_rules("scan_date"),
}


def _duplicate(spec, first: int) -> str:
    return f"duplicate of line {first} (same {', '.join(spec.key)})"


def _model_values(kind: str, values: dict, ids: dict) -> tuple[tuple, dict]:
    """(natural key in model terms, field values) for one validated row."""
    if kind == "centers":
        return (values["center"],), {"code": values["center"], "name": values["name"] or ""}
    if kind == "patients":
        data = {k: values[k] for k in ("sex", "birth_year", "onset_year", "diagnosis_date")}
        data["center_id"] = ids["centers"][values["center"]]
        return (values["patient_id"],), {"patient_id": values["patient_id"], **data}
    patient = ids["patients"][values["patient_id"]]
    if kind == "visits":
        data = {k: values[k] for k in SPECS["visits"].value_names}
        return (patient, values["visit_date"]), {
            "patient_id": patient,
            "visit_date": values["visit_date"],
            **data,
        }
    if kind == "gait":
        visit = ids["visits"][(patient, values["visit_date"])]
        data = {k: values[k] for k in SPECS["gait"].value_names}
        data["quality_flags"] = gait_flags(data)
        return (visit, values["condition"]), {"visit_id": visit, **data}
    data = {k: values[k] for k in SPECS["mri"].value_names}
    data["quality_flags"] = mri_flags(data)
    return (patient, values["scan_date"]), {
        "patient_id": patient,
        "scan_date": values["scan_date"],
        **data,
    }


_KEY_FIELDS = {
    "centers": ("code",),
    "patients": ("patient_id",),
    "visits": ("patient_id", "visit_date"),
    "gait": ("visit_id", "condition"),
    "mri": ("patient_id", "scan_date"),
}
_MODELS = {
    "centers": Center,
    "patients": Patient,
    "visits": Visit,
    "gait": GaitSession,
    "mri": MriScan,
}


def _refresh_ids(kind: str, ids: dict) -> None:
    if kind == "centers":
        ids["centers"] = dict(Center.objects.values_list("code", "id"))
    elif kind == "patients":
        ids["patients"] = dict(Patient.objects.values_list("patient_id", "id"))
    elif kind == "visits":
        ids["visits"] = {
            (p, d): pk for pk, p, d in Visit.objects.values_list("pk", "patient_id", "visit_date")
        }


def _write_batch(kind: str, batch: list[dict], counts, history: dict) -> None:
    model = _MODELS[kind]
    key_fields = _KEY_FIELDS[kind]
    first = key_fields[0]
    existing = {
        tuple(getattr(obj, f) for f in key_fields): obj
        for obj in model.objects.filter(**{f"{first}__in": {row["_key"][0] for row in batch}})
    }
    creates, updates, changed_fields = [], [], set()
    for row in batch:
        key, data = row["_key"], row["_data"]
        obj = existing.get(key)
        if obj is None:
            creates.append(model(**data))
            continue
        diff = [name for name, value in data.items() if getattr(obj, name) != value]
        if diff:
            for name in diff:
                setattr(obj, name, data[name])
            changed_fields.update(diff)
            updates.append(obj)
        else:
            counts.unchanged += 1
    if creates:
        bulk_create_with_history(creates, model, batch_size=BATCH, **history)
        counts.created += len(creates)
    if updates:
        bulk_update_with_history(
            updates, model, sorted(changed_fields), batch_size=BATCH, **history
        )
        counts.updated += len(updates)


class _Ticker:
    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done, self.stage = progress, total, 0, "validating"

    def __call__(self, n: int = 1) -> None:
        self.done += n
        if self.progress and (self.done % PROGRESS_EVERY == 0 or n > 1):
            self.progress(self.stage, min(self.done, self.total), self.total)

    def start(self, stage: str) -> None:
        self.stage, self.done = stage, 0
        if self.progress:
            self.progress(stage, 0, self.total)

    def finish(self) -> None:
        if self.progress:
            self.progress(self.stage, self.total, self.total)


def registry_import(
    *,
    paths: Iterable[str | Path],
    dry_run: bool = False,
    allowed_centers: set[str] | None = None,
    user=None,
    progress: Progress | None = None,
    before_commit: Callable[[], None] | None = None,
    error_sink: Callable[[RowError], None] | None = None,
    errors_kept: int | None = None,
) -> ImportReport:
    """Validate, then write everything or nothing. `before_commit` runs last inside the
    writing transaction; an exception from it rolls the whole import back. Errors go to
    `error_sink` as they are found; the report keeps the first `errors_kept` (all by
    default)."""
    files = discover(paths)
    report = ImportReport(
        files={k: p.name for k, p in files.items()},
        dry_run=dry_run,
        keep=errors_kept,
        sink=error_sink,
    )
    report.counts = {kind: Counts() for kind in files}
    row_counts = {kind: count_rows(p) for kind, p in files.items()}
    tick = _Ticker(progress, sum(row_counts.values()))
    hashes = {kind: known_files.file_sha256(p) for kind, p in files.items()}
    if files and known_files.unchanged_files(hashes, allowed_centers):
        for kind, n in row_counts.items():
            report.counts[kind].unchanged = n
        report.known_unchanged = True
        tick.start("validating")
        tick(sum(row_counts.values()))
        tick.finish()
        return report
    fast = connection.vendor == "postgresql"
    stages = {kind: copy_upsert.Stage(kind) for kind in files} if fast else {}
    # On PostgreSQL the staged tables live in one transaction from validation to writing.
    try:
        with transaction.atomic() if fast else contextlib.nullcontext():
            known = _Known()
            tick.start("validating")
            for kind, path in files.items():
                _validate(kind, path, known, allowed_centers, report, stages.get(kind), tick)
            tick.finish()
            if not report.ok:
                order = {report.files[kind]: n for n, kind in enumerate(files)}
                report.errors.sort(key=lambda e: (order.get(e.file, 0), e.line))
                return report
            _write(files, stages, report, user, tick, before_commit, allowed_centers)
            if not report.dry_run:
                # In the import's transaction (PostgreSQL) or right after its commit.
                known_files.imported_files_record(hashes, row_counts, allowed_centers)
    finally:
        for stage in stages.values():
            stage.close()
    return report


def _write(
    files, stages, report: ImportReport, user, tick: _Ticker, before_commit, allowed
) -> None:
    reason = "import: " + ", ".join(report.files.values())
    tick.start("writing")
    with transaction.atomic():
        if stages:
            user_id = user.pk if user is not None else None
            for kind, stage in stages.items():
                try:
                    created, updated, unchanged = copy_upsert.upsert(
                        stage, user_id=user_id, reason=reason, allowed_centers=allowed
                    )
                except copy_upsert.OwnerChanged as exc:
                    raise _owner_changed(report.files[kind], exc.line, exc.patient_id) from None
                counts = report.counts[kind]
                counts.created, counts.updated, counts.unchanged = created, updated, unchanged
                tick(stage.rows)
        else:
            history = {"default_user": user, "default_change_reason": reason}
            _orm_write(files, report, history, tick, allowed)
        # Progress first: after `before_commit` (which may lock the job row) the
        # transaction only commits.
        tick.finish()
        if report.dry_run:
            transaction.set_rollback(True)
            return
        if any(
            report.counts[kind].created + report.counts[kind].updated
            for kind in ("centers", "patients", "visits", "gait", "mri")
            if kind in report.counts
        ):
            transaction.on_commit(
                lambda: records_imported.send(sender=ImportReport, report=report, user=user)
            )
        if before_commit is not None:
            before_commit()


def _orm_write(files: dict[str, Path], report: ImportReport, history: dict, tick, allowed) -> None:
    ids: dict = {}
    for kind in ("centers", "patients", "visits"):
        _refresh_ids(kind, ids)
    # Owners as they are now, inside the writing transaction (SQLite: one writer at a
    # time, so nobody changes them until it commits), not as validation saw them.
    owners = (
        dict(Patient.objects.values_list("patient_id", "center__code"))
        if allowed is not None
        else {}
    )
    for kind, path in files.items():
        batch = []
        for line, values, _errors in rows(path, SPECS[kind]):
            pid = values.get("patient_id")
            if kind != "centers" and pid in owners and owners[pid] not in allowed:
                raise _owner_changed(report.files[kind], line, pid)
            key, data = _model_values(kind, values, ids)
            batch.append({"_key": key, "_data": data})
            if len(batch) >= BATCH:
                _write_batch(kind, batch, report.counts[kind], history)
                tick(len(batch))
                batch = []
        if batch:
            _write_batch(kind, batch, report.counts[kind], history)
            tick(len(batch))
        _refresh_ids(kind, ids)
