"""Prices and changes as people read them, in the page's language."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agriprices.formatting import rounded_price
from agriprices.models import Commodity, Market

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
def local_name(obj: Commodity | Market) -> str:
    """A commodity's or market's name in the page's language."""
    return obj.display_name(get_language())


@register.filter
def at_most(value: int, limit: int) -> int:
    return min(value, limit)
