"""Hard ranges declared once and enforced twice: as field validators (a friendly
message naming the field, the value and the allowed range) and as named database
CheckConstraints (so no door, not even the shell, lets a bad value in)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    unit: str = ""

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{_num(self.low)} … {_num(self.high)}{unit}"


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@deconstructible
class RangeValidator:
    """Rejects a value outside [low, high] with a message naming field, value and range."""

    def __init__(self, field: str, low: float, high: float, unit: str = "") -> None:
        self.field, self.low, self.high, self.unit = field, low, high, unit

    def __call__(self, value) -> None:
        if value is None:
            return
        if not (self.low <= value <= self.high):
            raise ValidationError(
                gettext_lazy("%(field)s = %(value)s is outside the allowed range %(range)s."),
                code="out_of_range",
                params={
                    "field": self.field,
                    "value": _num(value),
                    "range": Range(self.low, self.high, self.unit).describe(),
                },
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RangeValidator) and (
            self.field,
            self.low,
            self.high,
            self.unit,
        ) == (other.field, other.low, other.high, other.unit)


def measurement(
    ranges: dict[str, Range],
    name: str,
    *,
    required: bool = False,
    integer: bool = False,
    verbose_name: str = "",
    help_text: str = "",
) -> models.Field:
    """A numeric field whose validator comes from the same table as its constraint."""
    spec = ranges[name]
    field_class = models.IntegerField if integer else models.FloatField
    # Lazy: the label and help are read in the language of the page showing them.
    unit_help = format_lazy(gettext_lazy("Allowed {}."), spec.describe())
    return field_class(
        verbose_name or name,
        null=not required,
        blank=not required,
        validators=[RangeValidator(name, spec.low, spec.high, spec.unit)],
        help_text=format_lazy("{} {}", help_text, unit_help) if help_text else unit_help,
    )


def range_checks(table: str, ranges: dict[str, Range], required: set[str]) -> list:
    checks = []
    for name, spec in ranges.items():
        inside = Q(**{f"{name}__gte": spec.low, f"{name}__lte": spec.high})
        condition = inside if name in required else Q(**{f"{name}__isnull": True}) | inside
        checks.append(
            models.CheckConstraint(
                condition=condition,
                name=f"{table}_{name}_range",
                violation_error_message=f"{name} is outside the allowed range {spec.describe()}.",
            )
        )
    return checks


def choice_check(table: str, field: str, values: list[str], *, nullable: bool = False):
    condition = Q(**{f"{field}__in": values})
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=f"{table}_{field}_valid")


def choice_errors(field: str, values: list[str]) -> dict[str, str]:
    allowed = ", ".join(values)
    return {"invalid_choice": f"{field} = %(value)r is not allowed; use one of {allowed}."}


class CurrentDate(models.Func):
    """Today's date in SQL, so "not in the future" is a database rule too."""

    output_field = models.DateField()
    template = "CURRENT_DATE"
    arity = 0


class CurrentYear(models.Func):
    output_field = models.IntegerField()
    arity = 0

    def as_sql(self, compiler, connection, **extra_context):
        return "CAST(EXTRACT(YEAR FROM CURRENT_DATE) AS INTEGER)", []

    def as_sqlite(self, compiler, connection, **extra_context):
        return "CAST(strftime('%%Y', CURRENT_DATE) AS INTEGER)", []
