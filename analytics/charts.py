"""Small line charts over dates as static SVG, drawn on the server: the printed report
(a PDF runs no JavaScript) uses them. Pure functions, no Django."""

from __future__ import annotations

import datetime as dt
import math
from html import escape

WIDTH, HEIGHT = 340, 170
LEFT, RIGHT, TOP, BOTTOM = 46, 12, 26, 30


def value_range(values: list[float], *, floor=None, ceiling=None, min_span=1.0):
    """A y range around `values` at least `min_span` wide, padded by a tenth of the
    span, kept inside [floor, ceiling]: one point sits mid-axis, not on a 0–1.5 scale."""
    if not values:
        low, high = (floor or 0.0), (ceiling if ceiling is not None else (floor or 0.0) + min_span)
        return [low, high]
    low, high = min(values), max(values)
    span = max(high - low, min_span)
    middle = (low + high) / 2
    low, high = middle - span * 0.6, middle + span * 0.6
    if floor is not None and low < floor:
        low, high = floor, max(high, floor + span * 1.2)
    if ceiling is not None and high > ceiling:
        low, high = min(low, ceiling - span * 1.2), ceiling
        if floor is not None:
            low = max(low, floor)
    return [round(low, 6), round(high, 6)]


def date_range(days: list[dt.date]) -> tuple[dt.date, dt.date]:
    """At least a year wide, so one visit is a point in the middle of a readable axis."""
    first, last = min(days), max(days)
    pad = max((last - first).days * 0.08, 0)
    if (last - first).days + 2 * pad < 365:
        pad = (365 - (last - first).days) / 2
    return first - dt.timedelta(days=pad), last + dt.timedelta(days=pad)


def _iso_month(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _date_ticks(start: dt.date, end: dt.date, month=_iso_month) -> list[tuple[dt.date, str]]:
    years = (end - start).days / 365.25
    step = 1 if years <= 6 else 2 if years <= 12 else 5
    if years < 2:
        ticks, first = [], dt.date(start.year, start.month, 1)
        while first <= end:
            if first >= start and (first.month - 1) % 3 == 0:
                ticks.append((first, month(first)))
            first = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        return ticks
    return [
        (dt.date(year, 1, 1), str(year))
        for year in range(start.year + 1, end.year + 1)
        if year % step == 0
    ]


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _fmt(value: float, decimal: str = ".") -> str:
    return f"{value:.3g}".replace(".", decimal)


def line_chart(
    *,
    title: str,
    points: list[tuple[dt.date, float]],
    y_range: list[float],
    empty: str,
    decimal: str = ".",
    day_text=dt.date.isoformat,
    month_text=_iso_month,
) -> str:
    """An SVG line chart of `points` (date, value) with a title and a text alternative;
    numbers and dates written with the page language's decimal mark and date formats
    (`day_text` and `month_text` turn a date into text)."""
    summary = (
        f"{title}: "
        + "; ".join(f"{day_text(day)} {_fmt(value, decimal)}" for day, value in points)
        + "."
        if points
        else f"{title}: {empty}"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" class="chart">',
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>",
        f'<text x="{LEFT}" y="15" font-size="12" font-weight="600">{escape(title)}</text>',
    ]
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{inner_w}" height="{inner_h}" '
        'fill="none" stroke="#c9d1da"/>'
    )
    if not points:
        parts.append(
            f'<text x="{LEFT + inner_w / 2}" y="{TOP + inner_h / 2}" font-size="11" '
            f'text-anchor="middle" fill="#5b6876">{escape(empty)}</text></svg>'
        )
        return "".join(parts)
    start, end = date_range([day for day, _ in points])
    low, high = y_range
    total = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return LEFT + inner_w * (day - start).days / total

    def y(value: float) -> float:
        return TOP + inner_h * (1 - (value - low) / ((high - low) or 1))

    for value in _nice_ticks(low, high):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + inner_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#eef2f6"/>'
            f'<text x="{LEFT - 4}" y="{y(value) + 3:.1f}" font-size="9" text-anchor="end">'
            f"{_fmt(value, decimal)}</text>"
        )
    for day, label in _date_ticks(start, end, month_text):
        # A label that would run past the chart's edge is left off (its tick stays).
        half = len(label) * 2.7
        if not half <= x(day) <= WIDTH - half:
            label = ""
        parts.append(
            f'<line x1="{x(day):.1f}" x2="{x(day):.1f}" y1="{TOP + inner_h}" '
            f'y2="{TOP + inner_h + 4}" stroke="#5b6876"/>'
            f'<text x="{x(day):.1f}" y="{TOP + inner_h + 15}" font-size="9" '
            f'text-anchor="middle">{label}</text>'
        )
    path = " ".join(f"{x(day):.1f},{y(value):.1f}" for day, value in points)
    if len(points) > 1:
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5f99" stroke-width="1.5"/>')
    for day, value in points:
        parts.append(f'<circle cx="{x(day):.1f}" cy="{y(value):.1f}" r="3" fill="#1f5f99"/>')
    parts.append("</svg>")
    return "".join(parts)
