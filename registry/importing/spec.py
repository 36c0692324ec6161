"""The interchange columns of each file kind and how a cell becomes a value.

Ranges, choices and patterns are not repeated here: each column names the model field
whose validators (the same ones the forms, admin and database use) check it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from registry.models import (
    GAIT_FIELDS,
    GAIT_REQUIRED,
    MRI_FIELDS,
    Center,
    Condition,
    GaitSession,
    MriScan,
    Patient,
    Visit,
)
from registry.models.measurements import MRI_INTEGER

KINDS = ("centers", "patients", "visits", "gait", "mri")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CellError(ValueError):
    pass


def parse_text(raw: str) -> str:
    return raw.strip()


def parse_int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise CellError(f"{raw!r} is not a whole number") from None


def parse_decimal(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise CellError(f"{raw!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError(f"{raw!r} is not a finite number")
    return value


def parse_date(raw: str) -> datetime.date:
    text = raw.strip()
    if not _DATE.match(text):
        raise CellError(f"{raw!r} is not a date in ISO 8601 form YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CellError(f"{raw!r} is not a valid calendar date") from None


@dataclass(frozen=True)
class Column:
    name: str
    parse: object
    required: bool = False
    field: str | None = None  # model field whose validators apply (default: same name)
    default: object = None


@dataclass(frozen=True)
class FileSpec:
    kind: str
    model: type
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    parent: tuple[str, ...] = ()  # columns that name the record this one belongs to
    date: str | None = None  # the record's own date column, part of its key

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def own_names(self) -> list[str]:
        """The record's own columns (what follows the parent's key in the file)."""
        return [name for name in self.names if name not in self.parent]

    @property
    def value_names(self) -> list[str]:
        """The record's own columns less its date: the values an upsert sets."""
        return [name for name in self.own_names if name != self.date]


def _measure(name: str, required: bool = False, integer: bool = False) -> Column:
    return Column(name, parse_int if integer else parse_decimal, required)


# The measurement columns are the models' own field lists, in their order.
GAIT_MEASURES = tuple(_measure(name, name in GAIT_REQUIRED) for name in GAIT_FIELDS)
MRI_MEASURES = {name: _measure(name, integer=name in MRI_INTEGER) for name in MRI_FIELDS}


SPECS = {
    "centers": FileSpec(
        "centers",
        Center,
        (Column("center", parse_text, True, field="code"), Column("name", parse_text)),
        ("center",),
    ),
    "patients": FileSpec(
        "patients",
        Patient,
        (
            Column("patient_id", parse_text, True),
            Column("center", parse_text, True, field="-"),
            Column("sex", parse_text, True),
            Column("birth_year", parse_int, True),
            Column("onset_year", parse_int),
            Column("diagnosis_date", parse_date),
        ),
        ("patient_id",),
    ),
    "visits": FileSpec(
        "visits",
        Visit,
        (
            Column("patient_id", parse_text, True, field="-"),
            Column("visit_date", parse_date, True),
            Column("disease_course", parse_text, True),
            Column("edss", parse_decimal),
            Column("msws12", parse_decimal),
            Column("t25fw_s", parse_decimal),
            Column("walking_aid", parse_text),
        ),
        ("patient_id", "visit_date"),
        parent=("patient_id",),
        date="visit_date",
    ),
    "gait": FileSpec(
        "gait",
        GaitSession,
        (
            Column("patient_id", parse_text, True, field="-"),
            Column("visit_date", parse_date, True, field="-"),
            Column("condition", parse_text, default=Condition.COMFORTABLE.value),
            Column("device", parse_text, default=""),
            Column("software_version", parse_text, default=""),
            *GAIT_MEASURES,
        ),
        ("patient_id", "visit_date", "condition"),
        parent=("patient_id", "visit_date"),
    ),
    "mri": FileSpec(
        "mri",
        MriScan,
        (
            Column("patient_id", parse_text, True, field="-"),
            Column("scan_date", parse_date, True),
            MRI_MEASURES["field_strength_t"],
            Column("software", parse_text, default=""),
            *(column for name, column in MRI_MEASURES.items() if name != "field_strength_t"),
        ),
        ("patient_id", "scan_date"),
        parent=("patient_id",),
        date="scan_date",
    ),
}
