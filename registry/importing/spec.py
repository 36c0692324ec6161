"""The interchange columns of each file kind and how a cell becomes a value.

Ranges, choices and patterns are not repeated here: each column names the model field
whose validators (the same ones the forms, admin and database use) check it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from registry.models import Center, GaitSession, MriScan, Patient, Visit

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

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _measure(name: str, required: bool = False, integer: bool = False) -> Column:
    return Column(name, parse_int if integer else parse_decimal, required)


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
    ),
    "gait": FileSpec(
        "gait",
        GaitSession,
        (
            Column("patient_id", parse_text, True, field="-"),
            Column("visit_date", parse_date, True, field="-"),
            Column("condition", parse_text, default="comfortable"),
            Column("device", parse_text, default=""),
            Column("software_version", parse_text, default=""),
            _measure("velocity_m_s", True),
            _measure("cadence_steps_min", True),
            _measure("step_length_m", True),
            _measure("stride_length_m", True),
            _measure("step_time_s"),
            _measure("stride_time_s"),
            _measure("swing_pct"),
            _measure("stance_pct"),
            _measure("double_support_pct"),
            _measure("base_of_support_m"),
            _measure("stride_length_cv_pct"),
            _measure("stride_time_cv_pct"),
        ),
        ("patient_id", "visit_date", "condition"),
    ),
    "mri": FileSpec(
        "mri",
        MriScan,
        (
            Column("patient_id", parse_text, True, field="-"),
            Column("scan_date", parse_date, True),
            _measure("field_strength_t"),
            Column("software", parse_text, default=""),
            _measure("t2_lesion_volume_ml"),
            _measure("t2_lesion_count", integer=True),
            _measure("gd_enhancing_lesions", integer=True),
            _measure("brain_parenchymal_fraction"),
            _measure("grey_matter_fraction"),
            _measure("white_matter_fraction"),
        ),
        ("patient_id", "scan_date"),
    ),
}
