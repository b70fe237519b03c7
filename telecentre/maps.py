"""The map of markets as inline SVG drawn on the server: the country's outline and one
labelled dot per market, coloured and shaped by how its price compares with the
national median (so it reads in black and white too). No tiles, no script."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: How far from the national median a price is cheap or dear, in percent.
NEAR_PCT = 10
#: (fill, shape) per comparison; shapes keep them apart without colour.
STYLES = {"cheaper": ("#1b5e20", "down"), "near": ("#8d6e00", "dot"), "dearer": ("#b71c1c", "up")}


@dataclass(frozen=True)
class Pin:
    label: str  # the market's name and its price
    latitude: float
    longitude: float
    comparison: str  # cheaper, near or dearer


def comparison(pct: Decimal | None) -> str:
    if pct is None or abs(pct) < NEAR_PCT:
        return "near"
    return "cheaper" if pct < 0 else "dearer"


@cache
def _outline(path: Path) -> list[list[tuple[float, float]]]:
    with open(path, encoding="utf-8") as handle:
        return [[(lon, lat) for lon, lat in ring] for ring in json.load(handle)["rings"]]


def outline() -> list[list[tuple[float, float]]]:
    """The country's outline rings (read once per process); none when the file is not
    there, and the map shows the markets alone."""
    path = Path(settings.AGRIPRICES_COUNTRY_OUTLINE)
    return _outline(path) if path.exists() else []


def market_map(pins: Sequence[Pin], *, title: str, width: int = 400) -> SafeString:
    """The outline and the pins, fitted to ``width``; empty without any pin."""
    if not pins:
        return mark_safe("")  # noqa: S308 - nothing user-supplied
    rings = outline()
    points = [(p.longitude, p.latitude) for p in pins] + [pt for ring in rings for pt in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((north + south) / 2))  # a degree east is shorter
    pad = 12
    span_x = max((east - west) * squeeze, 0.1)
    scale = (width - 2 * pad) / span_x
    height = round(max((north - south) * scale, 60) + 2 * pad)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return pad + (lon - west) * squeeze * scale, pad + (north - lat) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="map" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for ring in rings:
        path = "M" + "L".join("{:.1f} {:.1f}".format(*xy(lon, lat)) for lon, lat in ring)
        parts.append(f'<path d="{path}Z" fill="#f3f6f1" stroke="#555" stroke-width="1"/>')
    for pin in pins:
        x, y = xy(pin.longitude, pin.latitude)
        colour, shape = STYLES[pin.comparison]
        parts.append(_shape(shape, x, y, colour))
        anchor = "end" if x > width * 0.7 else "start"
        dx = -8 if anchor == "end" else 8
        parts.append(
            f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}">'
            f"{escape(pin.label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above


def _shape(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "up":
        return f'<path d="M{x:.1f} {y - 6:.1f}l6 10h-12z" fill="{colour}"/>'
    if shape == "down":
        return f'<path d="M{x:.1f} {y + 6:.1f}l6 -10h-12z" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>'
