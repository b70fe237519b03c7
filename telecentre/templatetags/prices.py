"""Prices and changes as people read them, in the page's language."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agriprices import labels
from agriprices.collection import streaks
from agriprices.formatting import rounded_price
from agriprices.models import Commodity, Market, Region
from agriprices.warnings import bands
from telecentre import dates

register = template.Library()


@register.filter
def price(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return number_format(rounded_price(value), use_l10n=True)


@register.filter
def change(pct: Decimal | None) -> SafeString | str:
    """▲ 5.2 % (up), ▼ 3.0 % (down), with words for screen readers."""
    if pct is None:
        return "—"
    amount = number_format(abs(pct).quantize(Decimal("0.1")), use_l10n=True)
    if pct > 0:
        return format_html('<span class="up" title="{}">▲ {} %</span>', _("up"), amount)
    if pct < 0:
        return format_html('<span class="down" title="{}">▼ {} %</span>', _("down"), amount)
    return format_html('<span title="{}">= 0 %</span>', _("unchanged"))


@register.filter
def unit(code: str) -> str:
    """A unit code in the page's language ("kg" -> "кг")."""
    return labels.unit_name(code)


@register.filter
def category(name: str) -> str:
    """A commodity category in the page's language."""
    return labels.category_name(name)


@register.filter
def local_name(obj: Commodity | Market | Region) -> str:
    """A commodity's, market's or region's name in the page's language."""
    return obj.display_name(get_language())


@register.filter
def band(name: str) -> SafeString | str:
    """A warning band as its badge, as the band table draws it; nothing for a band
    without a badge (normal), for none, or for a name the table does not know."""
    found = bands.band(name)
    if found is None or not found.badge:
        return ""
    return format_html('<span class="band {}">{}</span>', found.css_class, found.label)


@register.filter
def warning_badge(row: object) -> SafeString | str:
    """The badge of a latest price annotated by ``queries.with_warnings``: its ALPS
    band when that has a badge, else that of its season (``bands.badge``)."""
    return band(
        bands.badge(
            getattr(row, "warning_band", None) or "",
            getattr(row, "warning_alps", None),
            getattr(row, "warning_ipa", None),
        )
    )


@register.filter
def missed_rounds(streak: int) -> str:
    """Rounds missed in a row: the longest counted reads "8+"."""
    return streaks.shown(streak)


@register.filter
def day(value: date | datetime | None) -> str:
    """A day nobody can misread, in the page's language ("1 Dec", "1 déc. 2025")."""
    return "—" if value is None else dates.day(value)


@register.filter
def month(value: date | None) -> str:
    """A month and its year: "Nov 2026"."""
    return "—" if value is None else dates.month(value)
