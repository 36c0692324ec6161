"""The PostgreSQL write path of the importer: validated rows are staged as CSV while
they are checked, loaded with COPY into a temporary table, and upserted on the natural
key by one INSERT ... ON CONFLICT per file that also writes the audit trail.

Duplicate natural keys within a file are found by the database in the staged table, so
the importer's memory does not grow with the file. Rows whose stored values are identical
are neither updated nor given a history row, so re-importing the same files writes
nothing. Counts come back from the statement itself: a RETURNING row per written record,
`xmax = 0` telling an insert from an update.
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import connection

from registry.importing.spec import SPECS
from registry.models import Center, GaitSession, MriScan, Patient, Visit
from registry.quality import gait_flags, mri_flags


@dataclass(frozen=True)
class Target:
    model: type
    stage_columns: tuple[tuple[str, str], ...]  # (name, SQL type) as staged
    source: str  # SELECT producing the model columns from the staged rows
    conflict: tuple[str, ...]


def _typed(kind: str) -> tuple[tuple[str, str], ...]:
    model = SPECS[kind].model
    out = []
    for name in SPECS[kind].names:
        try:
            internal = model._meta.get_field(name).get_internal_type()
        except FieldDoesNotExist:  # a column naming a parent (center, patient_id of a child)
            internal = "DateField" if name == "visit_date" else "CharField"
        sql = {
            "FloatField": "float8",
            "IntegerField": "int4",
            "DateField": "date",
        }.get(internal, "text")
        out.append((name, sql))
    if kind in ("gait", "mri"):
        out.append(("quality_flags", "jsonb"))
    return (("line", "int8"), *out)


def _measures(kind: str) -> str:
    return ", ".join(f"s.{name}" for name in SPECS[kind].value_names)


TARGETS = {
    "centers": Target(
        Center,
        _typed("centers"),
        "SELECT s.center AS code, coalesce(s.name, '') AS name FROM {stage} s",
        ("code",),
    ),
    "patients": Target(
        Patient,
        _typed("patients"),
        "SELECT s.patient_id, c.id AS center_id, s.sex, s.birth_year, s.onset_year, "
        "s.diagnosis_date FROM {stage} s JOIN registry_center c ON c.code = s.center",
        ("patient_id",),
    ),
    "visits": Target(
        Visit,
        _typed("visits"),
        f"SELECT p.id AS patient_id, s.visit_date, {_measures('visits')} "
        "FROM {stage} s JOIN registry_patient p ON p.patient_id = s.patient_id",
        ("patient_id", "visit_date"),
    ),
    "gait": Target(
        GaitSession,
        _typed("gait"),
        f"SELECT v.id AS visit_id, {_measures('gait')}, s.quality_flags "
        "FROM {stage} s JOIN registry_patient p ON p.patient_id = s.patient_id "
        "JOIN registry_visit v ON v.patient_id = p.id AND v.visit_date = s.visit_date",
        ("visit_id", "condition"),
    ),
    "mri": Target(
        MriScan,
        _typed("mri"),
        f"SELECT p.id AS patient_id, s.scan_date, {_measures('mri')}, s.quality_flags "
        "FROM {stage} s JOIN registry_patient p ON p.patient_id = s.patient_id",
        ("patient_id", "scan_date"),
    ),
}


class Stage:
    """Valid rows of one file, kept on disk (not in memory) until they are written."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.spec_names = SPECS[kind].names
        self.names = [name for name, _ in TARGETS[kind].stage_columns]
        # Lives as long as the import; registry_import closes it in a finally block.
        self.handle = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        # Strings are quoted, numbers not; None is written as "" and read back as NULL
        # through FORCE_NULL, except in text columns that store "" for "not given".
        self.writer = csv.writer(self.handle, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        model = TARGETS[kind].model
        self.force_null = [
            name
            for name, sql in TARGETS[kind].stage_columns
            if sql != "text" or _nullable(model, name)
        ]
        self.flags = {"gait": gait_flags, "mri": mri_flags}.get(kind)
        self.rows = 0

    @property
    def table(self) -> str:
        return f"import_stage_{self.kind}"

    def add(self, line: int, values: dict) -> None:
        cells = [line, *(values.get(name) for name in self.spec_names)]
        if self.flags is not None:
            flags = self.flags(values)
            cells.append(json.dumps(flags) if flags else "[]")
        self.writer.writerow(cells)
        self.rows += 1

    def load(self) -> None:
        """COPY the staged rows into a temporary table that lives until the import's
        transaction ends (the caller holds one open from validation to writing)."""
        columns = TARGETS[self.kind].stage_columns
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f"CREATE TEMP TABLE {self.table} ("
                + ", ".join(f"{name} {sql}" for name, sql in columns)
                + ") ON COMMIT DROP"
            )
            self.handle.seek(0)
            cursor.cursor.copy_expert(self._copy_sql(), self.handle)
            cursor.execute(f"ANALYZE {self.table}")
        self.handle.close()

    def duplicates(self, key: tuple[str, ...]) -> list[tuple[int, int]]:
        """(line, first line with the same key) for every repeated natural key, found by
        the database so memory does not grow with the file."""
        names = ", ".join(key)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT line, first FROM (SELECT line, min(line) OVER (PARTITION BY {names}) "
                f"AS first FROM {self.table}) d WHERE line <> first ORDER BY line"
            )
            return cursor.fetchall()

    def _copy_sql(self) -> str:
        return (
            f"COPY {self.table} ({', '.join(self.names)}) FROM STDIN WITH (FORMAT csv"
            + (f", FORCE_NULL ({', '.join(self.force_null)})" if self.force_null else "")
            + ")"
        )

    def close(self) -> None:
        self.handle.close()


def _nullable(model, name: str) -> bool:
    try:
        return model._meta.get_field(name).null
    except FieldDoesNotExist:
        return False


class OwnerChanged(Exception):
    """A row names a patient that, at write time, belongs to a centre outside the
    importer's scope (created or moved by someone else while the import ran)."""

    def __init__(self, line: int, patient_id: str) -> None:
        super().__init__(line, patient_id)
        self.line, self.patient_id = line, patient_id


def upsert(
    stage: Stage, *, user_id: int | None, reason: str, allowed_centers: set[str] | None = None
) -> tuple[int, int, int]:
    """Write the loaded rows; returns (created, updated, unchanged). Runs inside the
    caller's transaction.

    With `allowed_centers`, an existing patient of another centre is never updated (the
    conflict clause leaves it alone) and any row naming one raises OwnerChanged, so the
    caller rolls the whole import back: the check is made by the writing statements
    themselves, not against the snapshot validation saw."""
    target = TARGETS[stage.kind]
    meta = target.model._meta
    table = meta.db_table
    history = target.model.history.model._meta.db_table
    columns = [
        f.column for f in meta.concrete_fields if f.column not in ("id", "created_at", "updated_at")
    ]
    compared = [c for c in columns if c not in target.conflict]
    stamped = any(f.column == "updated_at" for f in meta.concrete_fields)
    stamps = (", created_at, updated_at", ", now(), now()", ", updated_at = now()")
    insert_stamps, select_stamps, update_stamp = stamps if stamped else ("", "", "")
    all_columns = [f.column for f in meta.concrete_fields]
    scoped = allowed_centers is not None and stage.kind != "centers"
    allowed = sorted(allowed_centers or ())
    with connection.cursor() as cursor:
        assignments = ", ".join(f"{c} = excluded.{c}" for c in compared)
        changed = (
            f"({', '.join('t.' + c for c in compared)}) IS DISTINCT FROM "
            f"({', '.join('excluded.' + c for c in compared)})"
        )
        if scoped and stage.kind == "patients":
            # Another centre's patient (it may have been committed a moment ago) is
            # never taken over; the check below then refuses the import.
            changed += " AND t.center_id IN (SELECT id FROM registry_center WHERE code = ANY(%s))"
        cursor.execute(
            f"""
            WITH written AS (
                INSERT INTO {table} AS t ({", ".join(columns)}{insert_stamps})
                SELECT {", ".join("src." + c for c in columns)}{select_stamps}
                FROM ({target.source.format(stage=stage.table)}) AS src
                ON CONFLICT ({", ".join(target.conflict)}) DO UPDATE
                SET {assignments}{update_stamp}
                WHERE {changed}
                RETURNING t.*, (t.xmax = 0) AS inserted
            ), audited AS (
                INSERT INTO {history} ({", ".join(all_columns)}, history_date,
                    history_change_reason, history_type, history_user_id)
                SELECT {", ".join(all_columns)}, now(), %s,
                    CASE WHEN inserted THEN '+' ELSE '~' END, %s
                FROM written
                RETURNING history_type
            )
            SELECT count(*) FILTER (WHERE history_type = '+'),
                   count(*) FILTER (WHERE history_type = '~')
            FROM audited
            """,
            ([allowed] if scoped and stage.kind == "patients" else []) + [reason, user_id],
        )
        created, updated = cursor.fetchone()
        if scoped:
            cursor.execute(
                f"SELECT s.line, s.patient_id FROM {stage.table} s "
                "JOIN registry_patient p ON p.patient_id = s.patient_id "
                "JOIN registry_center c ON c.id = p.center_id "
                "WHERE NOT (c.code = ANY(%s)) ORDER BY s.line LIMIT 1",
                [allowed],
            )
            foreign = cursor.fetchone()
            if foreign is not None:
                raise OwnerChanged(*foreign)
        cursor.execute(f"DROP TABLE {stage.table}")
    return created, updated, stage.rows - created - updated
