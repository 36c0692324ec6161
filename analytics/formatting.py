"""Numbers for people: a few significant digits, and very small p-values as
m × 10⁻ⁿ (one unbreakable piece of text, so a table cell never wraps inside it)."""

from __future__ import annotations

import math

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
NO_BREAK = "\u00a0"  # between number, "×" and the power of ten


def significant(value: float | None, digits: int = 3) -> str:
    """`value` to `digits` significant digits, without an exponent for everyday sizes."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if value == 0:
        return "0"
    if not 1e-3 <= abs(value) < 1e6:
        return scientific(value, digits)
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return f"{value:.{decimals}f}"


def scientific(value: float | None, digits: int = 2) -> str:
    """`value` as m × 10ⁿ with `digits` significant digits in m."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa}{NO_BREAK}×{NO_BREAK}10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def p_value(value: float | None) -> str:
    """p as people read it: 0.043, 0.0012, and below 0.001 in powers of ten."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if value >= 1e-3:
        return significant(value, 2)
    return scientific(value, 2)
