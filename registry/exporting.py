"""The registry as the five interchange files of the data dictionary, scoped to a
user's centres when a user is given.

Two exports share one query and streaming path:

- `registry_export` writes the files as stored. Export -> import into an empty
  database -> export gives identical files.
- `registry_export_deidentified` writes the same files and columns for research, with
  the pseudonyms replaced by random codes and every date shifted per patient (see its
  docstring and the README.txt it writes).

Rows are streamed from the database; only the de-identified export keeps one small
entry per patient (code and day offset) in memory, and only while it runs. On
PostgreSQL `registry_export` lets COPY write each file, its cells turned into
csv_cell's text in SQL (see _copy_files); the files are the same, byte for byte.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import random
import secrets
from collections.abc import Callable
from pathlib import Path

from django.db import connection, transaction
from django.db.models import CharField, F, Max, Min, Value
from django.db.models.functions import MD5, Concat
from django.utils import timezone

from registry import access
from registry.importing.spec import KINDS, SPECS
from registry.models import Center, GaitSession, MriScan, Visit
from registry.models.temporal import today
from registry.spreadsheets import FORMULA_STARTS, csv_cell

# The one date column of each file that refers to a patient; all of them are shifted.
DATE_COLUMN = {
    "patients": "diagnosis_date",
    "visits": "visit_date",
    "gait": "visit_date",
    "mri": "scan_date",
}
_DATE_AT = {kind: SPECS[kind].names.index(column) for kind, column in DATE_COLUMN.items()}
MAX_SHIFT_DAYS = 364
CODE_PREFIX = "R-"

Rewrite = Callable[[str, tuple], tuple | None]


def _scoped_patients(user):
    return access.export_scope(user)


def _patient_order(prefix: str, salt: str | None):
    pseudonym = f"{prefix}patient_id"
    if salt is None:
        return F(pseudonym)
    # Sorted by pseudonym, the rows of a de-identified file would give the link back to
    # anyone holding the list of pseudonyms (same rank, same patient). A hash salted
    # per export keeps each patient's rows together in an order nobody can rebuild.
    return MD5(Concat(Value(salt), F(pseudonym), output_field=CharField()))


def _queries(user, *, salt: str | None = None) -> dict:
    """One values_list queryset per file kind, in the columns of SPECS. Patients come
    in pseudonym order, or in a salted-hash order when a salt is given."""
    patients = _scoped_patients(user)
    centers = Center.objects.filter(id__in=patients.values("center_id").distinct())
    if user is None:
        centers = Center.objects.all()
    return {
        "centers": centers.order_by("code").values_list("code", "name"),
        "patients": patients.order_by(_patient_order("", salt)).values_list(
            "patient_id", "center__code", "sex", "birth_year", "onset_year", "diagnosis_date"
        ),
        "visits": Visit.objects.filter(patient__in=patients)
        .order_by(_patient_order("patient__", salt), "visit_date")
        .values_list("patient__patient_id", *SPECS["visits"].own_names),
        "gait": GaitSession.objects.filter(visit__patient__in=patients)
        .order_by(_patient_order("visit__patient__", salt), "visit__visit_date", "condition")
        .values_list("visit__patient__patient_id", "visit__visit_date", *SPECS["gait"].own_names),
        "mri": MriScan.objects.filter(patient__in=patients)
        .order_by(_patient_order("patient__", salt), "scan_date")
        .values_list("patient__patient_id", *SPECS["mri"].own_names),
    }


@contextlib.contextmanager
def _snapshot():
    """All files of one export read one snapshot of the registry, so a visit saved while
    the export runs cannot appear in gait.csv without its row in visits.csv."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _write_files(
    directory: Path, queries: dict, rewrite: Rewrite | None = None, kinds=KINDS
) -> dict:
    """Stream each queryset into <kind>.csv; `rewrite` may change a row or drop it (None)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for kind in kinds:
        with (directory / f"{kind}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(SPECS[kind].names)
            n = 0
            for row in queries[kind].iterator(chunk_size=5000):
                if rewrite is not None:
                    row = rewrite(kind, row)
                    if row is None:
                        continue
                writer.writerow([csv_cell(v) for v in row])
                n += 1
        written[kind] = n
    return written


def registry_export(*, directory: str | Path, user=None) -> dict[str, int]:
    with _snapshot():
        if connection.vendor == "postgresql":
            return _copy_files(Path(directory), _queries(user))
        return _write_files(Path(directory), _queries(user))


# PostgreSQL type oids whose text differs from csv_cell's: booleans (t/f), double
# precision (no ".0" on whole numbers), text (NULL and "" are both an empty cell).
_BOOL_OID, _FLOAT_OIDS, _TEXT_OIDS = 16, {700, 701}, {18, 19, 25, 1042, 1043}


def _copy_files(directory: Path, queries: dict) -> dict:
    """The same files as _write_files, on PostgreSQL, written by COPY ... TO STDOUT
    straight into each file: the query's columns are turned into csv_cell's text in
    SQL (true/false, whole floats with ".0", empty text as an empty cell). A file with
    any cell outside what that covers (text that csv_cell would mark as a formula or
    that holds a carriage return, a float of 1e15 or more, NaN or infinity, an order
    the outer query cannot repeat) is written by _write_files."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    with connection.cursor() as cursor:
        # The server's text of dates and floats is csv_cell's only with these, whatever
        # the server or role sets (called inside the export's transaction: `_snapshot`).
        cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
        cursor.execute("SET LOCAL extra_float_digits = 1")
    for kind in KINDS:
        query = queries[kind]
        names = list(query.query.values_select)
        order = [getattr(field, "name", field) for field in query.query.order_by]
        if not all(isinstance(name, str) and name in names for name in order):
            written.update(_write_files(directory, {kind: query}, kinds=[kind]))
            continue
        # The outer query sorts, by the same columns; the inner one need not.
        unordered = query.query.clone()
        unordered.clear_ordering(force=True)
        sql, params = unordered.sql_with_params()
        with connection.cursor() as cursor:
            inner = cursor.mogrify(sql, params).decode()
            cursor.execute(f"{inner} LIMIT 0")
            types = [column.type_code for column in cursor.description]
            columns = [f"c{i}" for i in range(len(types))]
            source = f"({inner}) AS q ({', '.join(columns)})"
            odd = []
            cells = []
            for column, oid in zip(columns, types, strict=True):
                if oid == _BOOL_OID:
                    cells.append(
                        f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"
                    )
                elif oid in _FLOAT_OIDS:
                    # Below 1e15 PostgreSQL writes what Python's repr writes, except
                    # that whole numbers lack the ".0"; NaN is not below anything.
                    odd.append(f"NOT abs({column}) < 1e15")
                    cells.append(
                        f"CASE WHEN {column} = trunc({column}) THEN {column}::text || '.0' "
                        f"ELSE {column}::text END"
                    )
                elif oid in _TEXT_OIDS:
                    starts = cursor.mogrify(
                        ", ".join(["%s"] * len(FORMULA_STARTS)), list(FORMULA_STARTS)
                    ).decode()
                    odd.append(
                        f"(left({column}, 1) IN ({starts}) OR strpos({column}, E'\\r') > 0 "
                        f"OR {column} = E'\\\\.')"
                    )
                    cells.append(f"NULLIF({column}, '')")
                else:
                    cells.append(column)
            if odd:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {source} WHERE {' OR '.join(odd)})")
                if cursor.fetchone()[0]:
                    written.update(_write_files(directory, {kind: query}, kinds=[kind]))
                    continue
            positions = ", ".join(str(names.index(name) + 1) for name in order)
            statement = f"SELECT {', '.join(cells)} FROM {source}"
            if positions:
                statement += f" ORDER BY {positions}"
            with (directory / f"{kind}.csv").open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, lineterminator="\n").writerow(SPECS[kind].names)
                handle.flush()
                cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", handle)
                written[kind] = cursor.rowcount
    return written


def shift_choice(
    *,
    birth_year: int,
    first: datetime.date | None,
    last: datetime.date | None,
    on: datetime.date,
    rng: random.Random,
) -> int | None:
    """A day offset drawn uniformly from -MAX_SHIFT_DAYS … +MAX_SHIFT_DAYS without 0,
    narrowed so that `first` stays on or after 1 Jan of the birth year and `last` stays
    on or before `on` (the dictionary's date rules). None when only 0 would fit."""
    low, high = -MAX_SHIFT_DAYS, MAX_SHIFT_DAYS
    if first is not None:
        low = max(low, (datetime.date(birth_year, 1, 1) - first).days)
    if last is not None:
        high = min(high, (on - last).days)
    zero_inside = low <= 0 <= high
    choices = high - low + 1 - int(zero_inside)
    if choices <= 0:
        return None
    offset = low + rng.randrange(choices)
    if zero_inside and offset >= 0:
        offset += 1
    return offset


def _date_bounds(patients) -> dict[str, list]:
    """pseudonym -> [birth_year, first date, last date] over all of the patient's dates."""
    bounds = {}
    pseudonyms = patients.order_by().values_list("patient_id", "birth_year", "diagnosis_date")
    for pseudonym, birth_year, diagnosis in pseudonyms.iterator(chunk_size=5000):
        bounds[pseudonym] = [birth_year, diagnosis, diagnosis]
    for model, column in ((Visit, "visit_date"), (MriScan, "scan_date")):
        grouped = (
            model.objects.filter(patient__in=patients)
            .order_by()
            .values("patient__patient_id")
            .annotate(first=Min(column), last=Max(column))
            .values_list("patient__patient_id", "first", "last")
        )
        for pseudonym, first, last in grouped:
            entry = bounds.get(pseudonym)
            if entry is None:  # a patient added since the first query; left out below
                continue
            entry[1] = first if entry[1] is None else min(entry[1], first)
            entry[2] = last if entry[2] is None else max(entry[2], last)
    return bounds


class _Deidentifier:
    """Draws a random code and a day offset per patient and rewrites rows with them.
    The table lives in this object only: it is never written, stored or logged."""

    def __init__(self, patients) -> None:
        rng = random.SystemRandom()
        on = today()
        self._table: dict[str, tuple[str, int]] = {}
        self.left_out = 0
        used: set[str] = set()
        for pseudonym, (birth_year, first, last) in _date_bounds(patients).items():
            offset = shift_choice(birth_year=birth_year, first=first, last=last, on=on, rng=rng)
            if offset is None:
                self.left_out += 1
                continue
            code = self._new_code(used)
            used.add(code)
            self._table[pseudonym] = (code, offset)

    @staticmethod
    def _new_code(used: set[str]) -> str:
        while True:
            code = CODE_PREFIX + secrets.token_hex(6).upper()
            if code not in used:
                return code

    def rewrite(self, kind: str, row: tuple) -> tuple | None:
        if kind not in DATE_COLUMN:
            return row
        entry = self._table.get(row[0])
        if entry is None:  # left out, or added to the registry during the export
            return None
        code, offset = entry
        at = _DATE_AT[kind]
        values = list(row)
        values[0] = code
        if values[at] is not None:
            values[at] = values[at] + datetime.timedelta(days=offset)
        return tuple(values)


def registry_export_deidentified(*, directory: str | Path, user=None) -> dict[str, int]:
    """The five interchange files for research, plus a README.txt that explains them.

    - patient_id is a random code ("R-" and 12 hex digits from `secrets`), drawn anew for
      every export and the same in all five files of one export; it cannot be derived
      from the pseudonym.
    - diagnosis_date, visit_date and scan_date are shifted by one random number of days
      per patient (-364 … +364, never 0), so intervals within a patient are exact. The
      range is narrowed per patient so that no shifted date is in the future or before
      1 Jan of the birth year; a patient for whom only 0 would fit is left out.
    - birth_year, onset_year and the centre code are kept: researchers need the site as a
      covariate. Free-text provenance columns and centre names are kept as recorded.
    - The link code -> pseudonym and the offsets exist in memory during the export only;
      they are not written to the files, the database or any log.
    """
    directory = Path(directory)
    exported_at = timezone.now()
    with _snapshot():
        deidentifier = _Deidentifier(_scoped_patients(user))
        written = _write_files(
            directory, _queries(user, salt=secrets.token_hex(16)), deidentifier.rewrite
        )
    (directory / "README.txt").write_text(
        _readme(exported_at, user, written, deidentifier.left_out), encoding="utf-8"
    )
    return written


def _readme(exported_at, user, written: dict[str, int], left_out: int) -> str:
    scope = "all centres" if user is None else "the centres the exporting account may read"
    lines = [
        "De-identified export of the MS mobility registry",
        "",
        f"Exported at: {exported_at.isoformat(timespec='seconds')}",
        f"Scope: {scope}",
        "",
        "The five files have the columns of the registry's interchange files, with:",
        "- patient_id: a random code drawn for this export only. A patient has the same",
        "  code in all five files of this export and a different code in any other export.",
        "  The code cannot be derived from the registry's pseudonym and the link between",
        "  the two is not kept anywhere.",
        "- diagnosis_date, visit_date, scan_date: shifted by a random number of days",
        f"  drawn per patient, between -{MAX_SHIFT_DAYS} and +{MAX_SHIFT_DAYS}, never 0.",
        "  All dates of one patient move by the same number of days, so intervals within",
        "  a patient are exact; calendar dates, seasons and intervals between patients",
        "  are not. The shift is chosen so that no date is in the future or before",
        "  1 January of the birth year. The shifts are not kept anywhere.",
        "- birth_year, onset_year and the centre code: unchanged. Ages and disease",
        "  durations computed from shifted dates may differ by one year from the",
        "  registry's.",
        "- all other columns, including centre names and the free-text device and",
        "  software columns: as recorded.",
        "- Patients appear in a random order, not in the order of their pseudonyms.",
        "",
        f"Patients left out because no date shift fits their dates: {left_out}",
        "",
        "Rows:",
        *(f"- {kind}.csv: {n}" for kind, n in written.items()),
    ]
    return "\n".join(lines) + "\n"
