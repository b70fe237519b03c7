"""The map of markets as inline SVG drawn on the server: the country's outline and one
labelled dot per market, coloured and shaped by how its price compares with the
national median (so it reads in black and white too). No tiles, no script."""

from __future__ import annotations

import json
import math
from collections import defaultdict
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


#: Text size in the map's own units, the largest the stylesheet gives it (on a phone):
#: labels are placed for it, so at any smaller size they stay apart too.
LABEL_SIZE = 16
#: A generous average width of a character, in ems, for placing labels before a
#: browser measures them (measured in Chromium with Debian's fonts: 0.52 to 0.64 for
#: names and prices in Latin and Cyrillic letters).
CHAR_EM = 0.68
#: Where a label may go around its pin: (dx, dy of the baseline, text-anchor), in
#: order of preference.
PLACES = (
    (8, 5, "start"),
    (-8, 5, "end"),
    (0, -10, "middle"),
    (0, 21, "middle"),
    (7, -7, "start"),
    (7, 18, "start"),
    (-7, -7, "end"),
    (-7, 18, "end"),
)
PIN_RADIUS = 7
#: Farther places for a pin's number where no place beside it is free, joined to the pin
#: by a thin line: distances in the map's units, and directions in degrees.
LEADER_DISTANCES = (22, 32, 46, 62, 80)
LEADER_ANGLES = tuple(range(0, 360, 30))


@dataclass(frozen=True)
class MapDrawing:
    svg: SafeString
    #: Pins whose label did not fit beside them: the number drawn instead (beside the
    #: pin, or farther off with a line to it), and the label, for the list beside the map.
    numbered: list[tuple[int, str]]
    #: Labels of pins where not even a number fitted anywhere near (the table has them).
    unlabelled: list[str]


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _Taken:
    """The marks and labels on the map so far, filed by the squares of a grid they cover:
    a place is checked against the boxes near it, not against every one (250 markets
    tried every place against every box, 800,000 checks a drawing). Two boxes that
    overlap share a square, so the answer is the same."""

    SQUARE = 32

    def __init__(self, boxes: Sequence[Box]) -> None:
        self._squares: defaultdict[tuple[int, int], list[Box]] = defaultdict(list)
        for box in boxes:
            self.add(box)

    def _under(self, box: Box) -> list[tuple[int, int]]:
        columns = range(math.floor(box[0] / self.SQUARE), math.floor(box[2] / self.SQUARE) + 1)
        rows = range(math.floor(box[1] / self.SQUARE), math.floor(box[3] / self.SQUARE) + 1)
        return [(column, row) for column in columns for row in rows]

    def add(self, box: Box) -> None:
        for square in self._under(box):
            self._squares[square].append(box)

    def clear_of(self, box: Box) -> bool:
        """Whether ``box`` overlaps nothing on the map."""
        squares = self._squares
        return not any(
            _overlap(box, other)
            for square in self._under(box)
            if square in squares
            for other in squares[square]
        )


def _label_box(text: str, x: float, y: float, place: tuple[int, int, str]) -> Box:
    dx, dy, anchor = place
    width = len(text) * CHAR_EM * LABEL_SIZE + 2
    left = {"start": x + dx, "end": x + dx - width, "middle": x + dx - width / 2}[anchor]
    baseline = y + dy
    # A browser's box of a line of text: its font's ascent above the baseline, descent below.
    return (left, baseline - LABEL_SIZE * 0.95, left + width, baseline + LABEL_SIZE * 0.3)


def _place(
    text: str, x: float, y: float, taken: _Taken, size: tuple[int, int]
) -> tuple[int, int, str] | None:
    """The first place around (x, y) where ``text`` stays inside the map and clear of
    everything ``taken``."""
    for place in PLACES:
        box = _label_box(text, x, y, place)
        inside = box[0] >= 0 and box[1] >= 0 and box[2] <= size[0] and box[3] <= size[1]
        if inside and taken.clear_of(box):
            return place
    return None


def _place_far(
    text: str, x: float, y: float, taken: _Taken, size: tuple[int, int]
) -> tuple[int, int, str] | None:
    """A place for a short text (a pin's number) farther off, in any direction, clear of
    every mark and label: the crowded centre of a capital still names each market."""
    for distance in LEADER_DISTANCES:
        for angle in LEADER_ANGLES:
            dx = round(distance * math.cos(math.radians(angle)))
            dy = round(distance * math.sin(math.radians(angle)) + LABEL_SIZE * 0.33)
            place = (dx, dy, "middle")
            box = _label_box(text, x, y, place)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= size[0] and box[3] <= size[1]
            if inside and taken.clear_of(box):
                return place
    return None


def market_map(pins: Sequence[Pin], *, title: str, width: int = 400) -> MapDrawing:
    """The outline and the pins, fitted to ``width``; empty without any pin. Each pin
    is labelled beside it where its label fits clear of every other label and pin;
    where it does not, the pin gets a number and its label goes in ``numbered``, for
    the list beside the map. No label ever covers another."""
    if not pins:
        return MapDrawing(mark_safe(""), [], [])  # noqa: S308 - nothing user-supplied
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
    placed = [(pin, *xy(pin.longitude, pin.latitude)) for pin in pins]
    taken = _Taken(
        [(x - PIN_RADIUS, y - PIN_RADIUS, x + PIN_RADIUS, y + PIN_RADIUS) for _, x, y in placed]
    )
    size = (width, height)
    labels: list[str] = []
    numbered: list[tuple[int, str]] = []
    unlabelled: list[str] = []
    # Pins with the most neighbours choose first: they have the fewest free places.
    crowd = sorted(
        placed,
        key=lambda p: -sum(abs(p[1] - q[1]) < 80 and abs(p[2] - q[2]) < 40 for q in placed),
    )

    def write(text: str, x: float, y: float, place: tuple[int, int, str]) -> None:
        taken.add(_label_box(text, x, y, place))
        dx, dy, anchor = place
        labels.append(
            f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
        )

    # First every name that fits beside its pin; then, for the others, a number beside
    # the pin; then farther off with a line to it. Never over a mark or another label.
    unnamed = []
    for pin, x, y in crowd:
        colour, shape = STYLES[pin.comparison]
        parts.append(_shape(shape, x, y, colour))
        place = _place(pin.label, x, y, taken, size)
        if place is None:
            unnamed.append((pin, x, y))
        else:
            write(pin.label, x, y, place)
    far = []
    for pin, x, y in unnamed:
        text = str(len(numbered) + 1)
        place = _place(text, x, y, taken, size)
        if place is None:
            far.append((pin, x, y))
            continue
        numbered.append((len(numbered) + 1, pin.label))
        write(text, x, y, place)
    for pin, x, y in far:
        text = str(len(numbered) + 1)
        place = _place_far(text, x, y, taken, size)
        if place is None:
            unlabelled.append(pin.label)
            continue
        dx, dy, _anchor = place
        toward = max(math.hypot(dx, dy), 1.0)
        end_x = x + dx - dx / toward * LABEL_SIZE * 0.6
        end_y = y + dy - LABEL_SIZE * 0.33 - dy / toward * LABEL_SIZE * 0.6
        parts.append(
            f'<path d="M{x:.1f} {y:.1f}L{end_x:.1f} {end_y:.1f}" stroke="#444" stroke-width="0.8"/>'
        )
        numbered.append((len(numbered) + 1, pin.label))
        write(text, x, y, place)
    parts += labels  # above every pin
    parts.append("</svg>")
    return MapDrawing(mark_safe("".join(parts)), numbered, unlabelled)  # noqa: S308 - escaped


def _shape(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "up":
        return f'<path d="M{x:.1f} {y - 6:.1f}l6 10h-12z" fill="{colour}"/>'
    if shape == "down":
        return f'<path d="M{x:.1f} {y + 6:.1f}l6 -10h-12z" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>'
