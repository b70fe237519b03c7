"""Charts as inline SVG, drawn on the server: no script, a few kilobytes, and legible
when printed in black and white (each line has its own dash pattern and marker)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from agriprices.warnings import bands
from telecentre import dates

#: The largest size the stylesheet gives a chart's text (on a phone), in the chart's own
#: units, and a generous width of a character in ems: axis labels are spaced for them.
LABEL_SIZE = 17
CHAR_EM = 0.68
#: Dash patterns and marker shapes, one per line, distinguishable without colour.
DASHES = ("", "6 3", "2 3", "8 3 2 3", "12 4", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "bar")
COLOURS = ("#1b5e20", "#0d47a1", "#b71c1c", "#4a148c", "#e65100", "#263238")


def _style(n: int) -> tuple[str, str, str]:
    """(colour, dash, marker) of line ``n``: the first six differ in both dash and
    marker; past six (many markets in alert) each pair of dash and marker is new."""
    return (
        COLOURS[n % len(COLOURS)],
        DASHES[n % len(DASHES)],
        MARKERS[(n + n // len(DASHES)) % len(MARKERS)],
    )


@dataclass(frozen=True)
class Line:
    label: str
    points: Sequence[tuple[date, Decimal]]
    #: Which dash, marker and colour it is drawn with (its place among the lines when
    #: not given), so the same market looks the same on every chart of a page.
    style: int | None = None
    #: Said after the label in the legend, e.g. the market's warning band.
    note: str = ""


@dataclass(frozen=True)
class Seasonal:
    """One market's normal price for the season (ALPS's fit) per month, with σ: the
    bands above normal start at their thresholds in σ above it (``bands.chart_zones``)."""

    label: str
    months: Sequence[tuple[date, Decimal, Decimal]]  # mid-month, normal price, σ


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - 4:.1f}l4 7h-8z" fill="{colour}"/>'
    if kind == "diamond":
        return f'<path d="M{x:.1f} {y - 4:.1f}l4 4-4 4-4-4z" fill="{colour}"/>'
    if kind == "cross":
        return (
            f'<path d="M{x - 3:.1f} {y - 3:.1f}l6 6m0-6l-6 6" stroke="{colour}" '
            'stroke-width="1.5"/>'
        )
    return f'<path d="M{x:.1f} {y - 4:.1f}v8" stroke="{colour}" stroke-width="2"/>'


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values for the price axis, all inside [low, high]."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks: list[float] = []
    value = first
    while value <= high and len(ticks) < 8:
        ticks.append(round(value, 6))
        value += step
    return ticks


def trend_chart(
    lines: Sequence[Line],
    band: Sequence[tuple[date, Decimal, Decimal]],
    *,
    title: str,
    unit_label: str,
    seasonal: Seasonal | None = None,
    width: int = 400,
    height: int = 220,
) -> SafeString:
    """Weekly medians as lines (at most six), the lowest-to-highest band behind them,
    the normal price with its stress, alert and crisis bands (``seasonal``: give it only
    to a chart of the one market it belongs to), date and price axes; then the legend as
    a list under the chart, so it wraps and stays legible on a 320-pixel screen. Each
    line has its own dash and marker, with a marker on its last point, so the legend
    tells the lines apart without colour."""
    lines = [
        Line(line.label, line.points, n if line.style is None else line.style, line.note)
        for n, line in enumerate(lines)
        if line.points
    ]
    days = [d for line in lines for d, _ in line.points] + [d for d, _, _ in band]
    values = [float(v) for line in lines for _, v in line.points]
    values += [float(v) for _, lo, hi in band for v in (lo, hi)]
    if not days:
        return mark_safe("")  # noqa: S308 - nothing user-supplied
    normal = [m for m in (seasonal.months if seasonal else ()) if min(days) <= m[0] <= max(days)]
    values += [float(v) for _, v, _ in normal]
    # Room at the top for the unit above the highest price, on a phone's larger text too.
    left, right, top, bottom = 44, 6, 28, 24
    first, last = min(days), max(days)
    span_days = max(1, (last - first).days)
    low, high = min(values), max(values)
    if high == low:
        low, high = low * 0.9, high * 1.1 or 1
    pad = (high - low) * 0.05
    low, high = max(0.0, low - pad), high + pad

    def x(day: date) -> float:
        return left + (width - left - right) * (day - first).days / span_days

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    if band:
        upper = " ".join(f"{x(d):.1f},{y(float(hi)):.1f}" for d, _, hi in band)
        lower = " ".join(f"{x(d):.1f},{y(float(lo)):.1f}" for d, lo, _ in reversed(band))
        parts.append(f'<polygon points="{upper} {lower}" fill="#ddd"/>')
    if normal:
        parts += _seasonal_bands(normal, x, lambda v: max(float(top), y(v)))
    for tick in _ticks(low, high):
        ty = y(tick)
        label = f"{tick:g}" if tick < 1000 else f"{tick:.0f}"
        parts.append(
            f'<path d="M{left} {ty:.1f}H{width - right}" stroke="#bbb" stroke-width=".5"/>'
            f'<text x="{left - 4}" y="{ty + 4:.1f}" text-anchor="end">{label}</text>'
        )
    parts.append(
        f'<text x="2" y="12" class="unit">{escape(unit_label)}</text>'
        f'<path d="M{left} {height - bottom}H{width - right}" stroke="#333"/>'
    )
    ticks = _month_starts(first, last)
    free_from = float(left)  # where the next month's label may begin
    for n, month_start in enumerate(ticks):
        label = dates.month_tick(month_start, with_year=n == 0 or month_start.month == 1)
        # Centred under its month, moved inward at the ends (clear of the prices' column),
        # and left out where it would run into the one before, at a phone's text size.
        wide = len(label) * CHAR_EM * LABEL_SIZE
        start = min(max(x(month_start) - wide / 2, float(left)), width - right - wide)
        if start < free_from:
            continue
        free_from = start + wide + 6
        parts.append(
            f'<text x="{start:.1f}" y="{height - 6}" text-anchor="start">{escape(label)}</text>'
        )
    for line in lines:
        colour, dash, marker = _style(line.style or 0)
        path = "M" + "L".join(f"{x(d):.1f} {y(float(v)):.1f}" for d, v in line.points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.8"{dashed}/>')
        # Markers every few points and on the last: enough to tell lines apart in print.
        every = max(1, len(line.points) // 6)
        marked = [*line.points[::every][:-1], line.points[-1]]
        for d, v in marked:
            parts.append(_marker(marker, x(d), y(float(v)), colour))
    parts.append("</svg>")
    legend = [
        _legend_item(
            f'<path d="M1 7h26"{_dash(dash)} stroke="{colour}" stroke-width="1.8"/>'
            + _marker(marker, 14, 7, colour),
            line.label,
            line.note,
        )
        for line in lines
        for colour, dash, marker in [_style(line.style or 0)]
    ]
    if normal and seasonal:
        legend.append(
            _legend_item(
                '<path d="M1 7h26" stroke="#000" stroke-width="1.2" stroke-dasharray="3 2"/>',
                seasonal.label,
            )
        )
    parts.append(f'<ul class="legend">{"".join(legend)}</ul>')
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above


def _dash(pattern: str) -> str:
    return f' stroke-dasharray="{pattern}"' if pattern else ""


def _legend_item(swatch: str, label: str, note: str = "") -> str:
    said = f" <small>{escape(note)}</small>" if note else ""
    return (
        f'<li><svg viewBox="0 0 28 14" width="28" height="14" aria-hidden="true">{swatch}'
        f"</svg> {escape(label)}{said}</li>"
    )


def _seasonal_bands(
    months: Sequence[tuple[date, Decimal, Decimal]],
    x: Callable[[date], float],
    y: Callable[[float], float],
) -> list[str]:
    """The warning bands above the normal price (the band table's zones, from stress
    up), and the normal price as a dashed line; ``y`` keeps the open top band inside
    the plot."""
    parts = []
    for start, end, colour in bands.chart_zones():
        lower = [(x(d), y(float(n + s * Decimal(start)))) for d, n, s in months]
        upper = [
            (x(d), y(float(n + s * Decimal(end))) if end else y(float("inf"))) for d, n, s in months
        ]
        points = " ".join(f"{px:.1f},{py:.1f}" for px, py in upper + lower[::-1])
        parts.append(f'<polygon points="{points}" fill="{colour}"/>')
    path = "M" + "L".join(f"{x(d):.1f} {y(float(n)):.1f}" for d, n, _ in months)
    parts.append(
        f'<path d="{path}" fill="none" stroke="#000" stroke-width="1.2" stroke-dasharray="3 2"/>'
    )
    return parts


def _month_starts(first: date, last: date) -> list[date]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        start = date(year, month, 1)
        if first <= start <= last:
            months.append(start)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    # At most four labels: with the year on some ("févr. 25") and the larger text of a
    # phone, more would run into each other on a 320-pixel screen.
    step = max(1, -(-len(months) // 4))
    return months[::step]


def sparkline(values: Sequence[Decimal], *, label: str, width: int = 80, height: int = 18) -> str:
    """A small line of recent weekly medians, for tables."""
    if len(values) < 2:
        return ""
    numbers = [float(v) for v in values]
    low, high = min(numbers), max(numbers)
    spread = (high - low) or 1.0
    step = (width - 2) / (len(numbers) - 1)
    points = " ".join(
        f"{1 + i * step:.1f},{1 + (height - 2) * (1 - (v - low) / spread):.1f}"
        for i, v in enumerate(numbers)
    )
    return mark_safe(  # noqa: S308 - the label is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="spark" role="img" '
        f'aria-label="{escape(label)}"><polyline points="{points}" fill="none" '
        'stroke="#1b5e20" stroke-width="1.5"/></svg>'
    )
