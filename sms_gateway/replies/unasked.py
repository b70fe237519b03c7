"""Texts we send unasked: the weekly digest, price alerts and price warnings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import pgettext

from agriprices.models import Commodity, LatestPrice, Market
from agriprices.warnings.bands import sms_name
from agriprices.warnings.models import PriceWarning
from sms_gateway.replies.text import (
    fit,
    format_price,
    price_line,
    priced_short,
    short_day,
    week_change,
)
from sms_gateway.segments import fits_one_segment, plain


def digest_texts(
    *,
    language: str,
    day: date,
    rows: Sequence[tuple[Commodity, Market, LatestPrice | None]],
) -> list[str]:
    """The weekly digest: every followed crop, in as few one-segment SMS as they fit."""
    with translation.override(language):
        heading = pgettext("sms", "Prices {day}").format(day=short_day(day))
        items = []
        for commodity, market, latest in rows:
            crop, place = commodity.display_name(language), market.display_name(language)
            if latest is None:
                items.append(
                    pgettext("sms", "{crop} {market}: no price").format(crop=crop, market=place)
                )
            else:
                change = week_change(latest.change_week_pct)
                items.append(f"{crop} {place} {priced_short(latest)} {change}".strip())
        texts: list[str] = []
        current: list[str] = []
        for item in items:
            if current and not fits_one_segment(plain(f"{heading}: {'; '.join([*current, item])}")):
                texts.append(fit([f"{heading}: {'; '.join(current)}"]))
                current = []
            current.append(item)
        if current:
            texts.append(fit([f"{heading}: {'; '.join(current)}"]))
        return texts


def alert_text(*, language: str, latest: LatestPrice, move_pct: Decimal) -> str:
    """A price moved past a subscriber's threshold since the price they last heard."""
    with translation.override(language):
        crop = latest.commodity.display_name(language)
        place = latest.market.display_name(language)
        sign = "+" if move_pct > 0 else ""
        move = f"{sign}{move_pct.quantize(Decimal(1))}%"
        label = pgettext("sms", "Price alert")
        stop = pgettext("sms", "UNSUB {what} to stop.").format(what=f"{crop} {place}")
        line = price_line(crop, place, latest)
        short = price_line(crop[:10], place[:10], latest)
        return fit(
            [
                f"{label}: {line} ({move}). {stop}",
                f"{label}: {line} ({move})",
                f"{label}: {short} ({move})",
            ]
        )


def warning_text(*, language: str, warning: PriceWarning) -> str:
    """A followed crop's price rose into the alert or crisis band for the season:
    "ALERT, November: Potatoes Osh 53 KGS/kg, 28% above normal (41)"."""
    with translation.override(language):
        crop = warning.commodity.display_name(language)
        place = warning.market.display_name(language)
        band = sms_name(warning.alps_band)
        month = date_format(warning.month, "F")
        unit = warning.commodity.base_unit.code
        price = f"{format_price(warning.price)} {settings.AGRIPRICES_CURRENCY}/{unit}"
        above = pgettext("sms", "{pct}% above normal ({normal})").format(
            pct=warning.above_normal_pct, normal=format_price(warning.normal_price or Decimal(0))
        )
        stop = pgettext("sms", "UNSUB {what} to stop.").format(what=f"{crop} {place}")
        return fit(
            [
                f"{band}, {month}: {crop} {place} {price}, {above}. {stop}",
                f"{band}, {month}: {crop} {place} {price}, {above}.",
                f"{band}, {month}: {crop[:10]} {place[:10]} {price}, {above}.",
            ]
        )
