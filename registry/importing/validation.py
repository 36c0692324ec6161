"""Reading and checking one interchange file, row by row, collecting every error."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError

from registry.importing.spec import CellError, FileSpec
from registry.models.temporal import current_year, today


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


def _open(path: Path):
    # utf-8-sig accepts the byte-order mark spreadsheet programs like to write.
    return path.open(encoding="utf-8-sig", newline="")


def check_header(path: Path, spec: FileSpec) -> list[RowError]:
    with _open(path) as handle:
        header = next(csv.reader(handle), None)
    if not header:
        return [RowError(path.name, 1, "-", "the file is empty; a header row is required")]
    errors = []
    names = [h.strip() for h in header]
    allowed = spec.names
    for name in names:
        if name not in allowed:
            errors.append(
                RowError(
                    path.name,
                    1,
                    name or "(blank)",
                    f"unknown column; allowed: {', '.join(allowed)}",
                )
            )
    for column in spec.columns:
        if column.required and column.name not in names:
            errors.append(RowError(path.name, 1, column.name, "required column is missing"))
    duplicates = {n for n in names if names.count(n) > 1}
    for name in sorted(duplicates):
        errors.append(RowError(path.name, 1, name, "column appears more than once"))
    return errors


def rows(path: Path, spec: FileSpec) -> Iterator[tuple[int, dict, list[RowError]]]:
    """(line, typed values, cell errors) per data row; validators are the model fields'."""
    meta = spec.model._meta
    with _open(path) as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
        for record in reader:
            line = reader.line_num
            values, errors = {}, []
            for column in spec.columns:
                raw = record.get(column.name)
                if raw is None or raw.strip() == "":
                    if column.required:
                        errors.append(RowError(path.name, line, column.name, "a value is required"))
                    values[column.name] = column.default
                    continue
                try:
                    value = column.parse(raw)
                except CellError as exc:
                    errors.append(RowError(path.name, line, column.name, str(exc)))
                    continue
                if column.field != "-":
                    field = meta.get_field(column.field or column.name)
                    try:
                        field.validate(value, None)
                        field.run_validators(value)
                    except ValidationError as exc:
                        for message in exc.messages:
                            errors.append(RowError(path.name, line, column.name, message))
                        continue
                values[column.name] = value
            yield line, values, errors


def date_rules(values: dict, birth_year: int | None, date_column: str) -> list[tuple[str, str]]:
    """Cross-field date rules of the dictionary: not before the birth year, not future."""
    problems = []
    day = values.get(date_column)
    if day is None:
        return problems
    if day > today():
        problems.append((date_column, f"{day.isoformat()} is in the future"))
    if birth_year is not None and day.year < birth_year:
        problems.append((date_column, f"{day.isoformat()} is before the birth year {birth_year}"))
    return problems


def patient_rules(values: dict) -> list[tuple[str, str]]:
    problems = []
    birth, onset, diagnosis = (
        values.get("birth_year"),
        values.get("onset_year"),
        values.get("diagnosis_date"),
    )
    year = current_year()
    if birth is not None and not 1900 <= birth <= year:
        problems.append(("birth_year", f"{birth} is outside the allowed range 1900 … {year}"))
    if onset is not None and birth is not None and not birth <= onset <= year:
        problems.append(("onset_year", f"{onset} is outside the allowed range {birth} … {year}"))
    if diagnosis is not None and birth is not None:
        if diagnosis.year < birth:
            problems.append(
                ("diagnosis_date", f"{diagnosis.isoformat()} is before 1 Jan of {birth}")
            )
        if diagnosis > today():
            problems.append(("diagnosis_date", f"{diagnosis.isoformat()} is in the future"))
    return problems
