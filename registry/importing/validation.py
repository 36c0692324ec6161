"""Reading and checking one interchange file, row by row, collecting every error."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError

from registry import rules
from registry.importing.spec import CellError, FileSpec
from registry.labels import labelled


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


# The csv module's limit on one cell (its default); longer cells are refused by line.
CELL_LIMIT = csv.field_size_limit()


def check_readable(path: Path) -> list[RowError]:
    """The first line of a file that is not UTF-8 text a CSV reader can take (a NUL byte,
    bytes of another encoding, a cell past the length limit), as one error naming the
    file, the line and what is wrong; [] when the whole file reads."""
    name = path.name
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            if b"\0" in raw:
                at = raw.index(b"\0") + 1
                return [
                    RowError(
                        name,
                        line,
                        "-",
                        f"a NUL byte at character {at}: this is not a text CSV file (binary data?)",
                    )
                ]
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return [
                    RowError(
                        name,
                        line,
                        "-",
                        f"byte 0x{raw[exc.start]:02X} at character {exc.start + 1} is not "
                        "UTF-8; save the file as UTF-8 CSV",
                    )
                ]
            if len(raw) > CELL_LIMIT:
                # Only a cell past the limit matters; one long line of many cells is fine.
                cells = raw.rstrip(b"\r\n").split(b",")
                longest = max(len(cell) for cell in cells)
                if longest > CELL_LIMIT:
                    return [
                        RowError(
                            name,
                            line,
                            "-",
                            f"a cell of {longest} characters; at most {CELL_LIMIT} are allowed",
                        )
                    ]
    return []


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


def _checks(spec: FileSpec) -> list[tuple]:
    """Per column, once per file: the model field's validators and whether its choices
    must be checked, so the per-cell work is only the checks themselves."""
    meta = spec.model._meta
    out = []
    for column in spec.columns:
        field = None if column.field == "-" else meta.get_field(column.field or column.name)
        validators = tuple(field.validators) if field is not None else ()
        choices = field if field is not None and field.choices else None
        out.append((column, validators, choices))
    return out


def rows(path: Path, spec: FileSpec) -> Iterator[tuple[int, dict, list[RowError]]]:
    """(line, typed values, cell errors) per data row; validators are the model fields'."""
    checks = _checks(spec)
    name = path.name
    with _open(path) as handle:
        reader = csv.reader(handle)
        header = [cell.strip() for cell in next(reader, [])]
        position = {column: header.index(column) for column in header if column in spec.names}
        width = len(header)
        for record in reader:
            line = reader.line_num
            if not record:
                continue
            values, errors = {}, []
            if len(record) > width:
                errors.append(
                    RowError(
                        name, line, "-", f"{len(record)} cells but the header has {width} columns"
                    )
                )
            elif len(record) < width:
                record += [""] * (width - len(record))
            for column, validators, choices in checks:
                at = position.get(column.name)
                raw = record[at] if at is not None else ""
                if not raw or raw.isspace():
                    if column.required:
                        errors.append(RowError(name, line, column.name, "a value is required"))
                    values[column.name] = column.default
                    continue
                try:
                    value = column.parse(raw)
                except CellError as exc:
                    errors.append(RowError(name, line, column.name, str(exc)))
                    continue
                try:
                    if choices is not None:
                        choices.validate(value, None)
                    for validator in validators:
                        validator(value)
                except ValidationError as exc:
                    errors.extend(
                        RowError(name, line, column.name, labelled(m, spec.model))
                        for m in exc.messages
                    )
                    continue
                values[column.name] = value
            yield line, values, errors


def date_rules(values: dict, birth_year: int | None, date_column: str) -> list[tuple[str, str]]:
    """The dictionary's date rules for a visit's or scan's row (`registry.rules`)."""
    return rules.dated_problems(
        field=date_column, day=values.get(date_column), birth_year=birth_year
    )


def patient_rules(values: dict) -> list[tuple[str, str]]:
    """The dictionary's rules between a patient's years and dates (`registry.rules`)."""
    return rules.patient_problems(
        birth_year=values.get("birth_year"),
        onset_year=values.get("onset_year"),
        diagnosis_date=values.get("diagnosis_date"),
    )
