"""Reading unit labels as they appear in price files ("KG", "46 KG", "10 pcs", "Loaf").

Pure: returns a ``UnitSpec``; ``services`` turns it into a ``Unit`` row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

#: The unit every price of a dimension is compared in.
BASE_UNIT_CODES = {"mass": "kg", "volume": "l", "count": "pcs"}

# label -> (code, name, dimension, base units in one)
_KNOWN: dict[str, tuple[str, str, str, Decimal]] = {
    "kg": ("kg", "kilogram", "mass", Decimal(1)),
    "kgs": ("kg", "kilogram", "mass", Decimal(1)),
    "kilogram": ("kg", "kilogram", "mass", Decimal(1)),
    "кг": ("kg", "kilogram", "mass", Decimal(1)),
    "g": ("g", "gram", "mass", Decimal("0.001")),
    "gr": ("g", "gram", "mass", Decimal("0.001")),
    "mt": ("mt", "tonne", "mass", Decimal(1000)),
    "t": ("mt", "tonne", "mass", Decimal(1000)),
    "tonne": ("mt", "tonne", "mass", Decimal(1000)),
    # 0.45359237 kg, to the six places a unit's quantity is stored with.
    "lb": ("lb", "pound", "mass", Decimal("0.453592")),
    "pound": ("lb", "pound", "mass", Decimal("0.453592")),
    "l": ("l", "litre", "volume", Decimal(1)),
    "litre": ("l", "litre", "volume", Decimal(1)),
    "liter": ("l", "litre", "volume", Decimal(1)),
    "л": ("l", "litre", "volume", Decimal(1)),
    "ml": ("ml", "millilitre", "volume", Decimal("0.001")),
    "pcs": ("pcs", "piece", "count", Decimal(1)),
    "pc": ("pcs", "piece", "count", Decimal(1)),
    "piece": ("pcs", "piece", "count", Decimal(1)),
    "pieces": ("pcs", "piece", "count", Decimal(1)),
    "unit": ("pcs", "piece", "count", Decimal(1)),
    "each": ("pcs", "piece", "count", Decimal(1)),
    "шт": ("pcs", "piece", "count", Decimal(1)),
    "dozen": ("dozen", "dozen", "count", Decimal(12)),
    "head": ("head", "head", "count", Decimal(1)),
}

_QUANTITY = re.compile(r"^(\d+(?:[.,]\d+)?)\s*([^\d\s].*)$")
_BAG = re.compile(r"^bag\s*(\d+(?:[.,]\d+)?)\s*kg$")
_CODE_SAFE = re.compile(r"[^a-z0-9а-яёөүң]+")


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    dimension: str
    base_quantity: Decimal


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _fmt(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


def parse_unit_label(label: str) -> UnitSpec:
    """Read a unit label. Raises ValueError for an empty or zero-quantity label.

    Known words map to their dimension; "46 KG" becomes a 46-kilogram unit; anything
    else ("Loaf", "Bunch") is a unit of its own kind that converts only to itself.
    """
    text = " ".join(label.strip().casefold().split())
    if not text:
        raise ValueError("unit is empty")
    if text in _KNOWN:
        return UnitSpec(*_KNOWN[text])
    bag = _BAG.match(text)
    if bag:
        quantity = _number(bag.group(1))
        return UnitSpec(f"bag{_fmt(quantity)}kg", f"{_fmt(quantity)} kg bag", "mass", quantity)
    sized = _QUANTITY.match(text)
    if sized:
        try:
            quantity = _number(sized.group(1))
        except InvalidOperation as exc:  # pragma: no cover - regex admits only numbers
            raise ValueError(f"unit {label!r} has an unreadable quantity") from exc
        if quantity <= 0:
            raise ValueError(f"unit {label!r} has a zero quantity")
        inner = parse_unit_label(sized.group(2))
        return UnitSpec(
            code=f"{_fmt(quantity)}{inner.code}",
            name=f"{_fmt(quantity)} {inner.code}",
            dimension=inner.dimension,
            base_quantity=quantity * inner.base_quantity,
        )
    code = _CODE_SAFE.sub("-", text).strip("-") or "unit"
    if code in _KNOWN or _BAG.match(code) or _QUANTITY.match(code):
        # "½ kg", "~kg" or "kg²" lose a character on the way to a code and would be taken
        # for "kg" itself: a price per half kilo read as per kilo.
        raise ValueError(f"unit {label!r} is not understood: write its quantity in digits")
    return UnitSpec(code=code, name=label.strip(), dimension=code, base_quantity=Decimal(1))


def base_unit_spec(spec: UnitSpec) -> UnitSpec:
    """The unit prices of ``spec``'s kind are compared in: kg, l or a piece; a unit of
    its own kind ("Loaf") is its own base."""
    base_code = BASE_UNIT_CODES.get(spec.dimension)
    return spec if base_code is None else parse_unit_label(base_code)
