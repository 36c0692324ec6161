"""Cells that a spreadsheet program would run as a formula (CSV formula injection):
refused at the door for free-text fields, and written as text in every CSV the registry
produces (for values stored before the rule existed)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    """True if a spreadsheet program might evaluate the text (a plain number like "-1.5"
    is data, not a formula)."""
    if not text or text[0] not in FORMULA_STARTS:
        return False
    if text[0] in "+-":
        try:
            float(text)
        except ValueError:
            return True
        return False
    return True


def spreadsheet_safe(value):
    """A CSV cell as text that spreadsheet programs show instead of running: a leading
    apostrophe before a formula-like string; any other value unchanged."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def no_formula(value: str) -> None:
    """Field validator for free text (device, software, centre name)."""
    if isinstance(value, str) and formula_like(value):
        shown = value if len(value) <= 40 else value[:39] + "…"
        raise ValidationError(
            gettext(
                "%(value)r starts with %(first)r, which spreadsheet programs run as a "
                "formula; remove or change the first character."
            ),
            code="formula",
            params={"value": shown, "first": value[0]},
        )


def csv_cell(value, *, digits: int | None = None) -> str:
    """One value as the text of a CSV cell, the same in every file the registry writes:
    empty for None (and NaN), ISO dates, true/false, floats in full (`repr`, or rounded
    to `digits` places), and text that no spreadsheet program runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        if value != value:
            return ""
        return repr(value if digits is None else round(value, digits))
    return spreadsheet_safe(str(value))
