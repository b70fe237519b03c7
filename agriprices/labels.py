"""What commodity categories and unit codes are called in each language. Both are
stored as plain text (WFP's category names, unit codes such as ``kg`` or ``bag50kg``),
so files and the API keep them as they are; pages name them through this table. A
category or unit it does not know is shown as stored."""

from __future__ import annotations

import re

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import pgettext, pgettext_lazy

#: WFP's commodity categories (the demo's and every WFP/HDX file's), by their stored text.
CATEGORIES: dict[str, Promise] = {
    "cereals and tubers": pgettext_lazy("commodity category", "cereals and tubers"),
    "pulses and nuts": pgettext_lazy("commodity category", "pulses and nuts"),
    "vegetables and fruits": pgettext_lazy("commodity category", "vegetables and fruits"),
    "meat, fish and eggs": pgettext_lazy("commodity category", "meat, fish and eggs"),
    "milk and dairy": pgettext_lazy("commodity category", "milk and dairy"),
    "oil and fats": pgettext_lazy("commodity category", "oil and fats"),
    "miscellaneous food": pgettext_lazy("commodity category", "miscellaneous food"),
    "non-food": pgettext_lazy("commodity category", "non-food"),
}

#: Unit codes (agriprices.units) as a price is written after its currency: "KGS/кг".
UNITS: dict[str, Promise] = {
    "kg": pgettext_lazy("unit", "kg"),
    "g": pgettext_lazy("unit", "g"),
    "mt": pgettext_lazy("unit", "t"),
    "lb": pgettext_lazy("unit", "lb"),
    "l": pgettext_lazy("unit", "l"),
    "ml": pgettext_lazy("unit", "ml"),
    "pcs": pgettext_lazy("unit", "pcs"),
    "dozen": pgettext_lazy("unit", "dozen"),
    "head": pgettext_lazy("unit", "head"),
}

_SIZED = re.compile(r"^(\d+(?:\.\d+)?)([a-z]+)$")
_BAG = re.compile(r"^bag(\d+(?:\.\d+)?)kg$")


def category_name(category: str) -> str:
    """A commodity category in the active language ("cereals and tubers" -> "céréales
    et tubercules")."""
    found = CATEGORIES.get(category.strip().lower())
    return str(found) if found is not None else category


def unit_name(code: str, unknown: str | None = None) -> str:
    """A unit code in the active language: "kg" -> "кг", "10pcs" -> "10 шт.", "bag50kg"
    -> "мешок 50 кг"; one this table does not know, ``unknown`` (default: the code)."""
    if code in UNITS:
        return str(UNITS[code])
    bag = _BAG.match(code)
    if bag:
        return pgettext("unit", "%(kg)s kg bag") % {"kg": number_format(bag.group(1))}
    sized = _SIZED.match(code)
    if sized and sized.group(2) in UNITS:
        return f"{number_format(sized.group(1))} {UNITS[sized.group(2)]}"
    return code if unknown is None else unknown
