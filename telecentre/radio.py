"""The week's prices and warnings as a presenter reads them on air: plain sentences in
one language, every number in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from agriprices.models import Commodity, PriceWarning, Region
from telecentre import dates, spoken
from telecentre import selectors as pages


@dataclass(frozen=True)
class RadioScript:
    title: str
    language: str
    paragraphs: list[str]


def _per_unit(commodity: Commodity) -> str:
    code = commodity.base_unit.code
    if code == "kg":
        return pgettext("radio", "a kilo")
    if code == "l":
        return pgettext("radio", "a litre")
    if code == "pcs":
        return pgettext("radio", "each")
    return pgettext("radio", "per {unit}").format(unit=code)


def _money(value: Decimal, language: str) -> str:
    return spoken.price(value, settings.AGRIPRICES_CURRENCY, language)


def radio_script(*, region: Region | None, language: str, week: date | None) -> RadioScript:
    """The script for ``region`` (or the whole country) in ``language``: the week's
    median price of each crop, its move on the week before and where it is cheapest;
    then the crops in alert or crisis, and those low for the season."""
    with translation.override(language):
        where = region.name if region else _("the whole country")
        title = _("Market prices on the radio: %(where)s") % {"where": where}
        if week:
            title += f" · {dates.day(week)}"
        paragraphs = []
        rows = pages.regional_week(week, region=region) if week else []
        if not rows:
            return RadioScript(title, language, [_("There are no prices for this week yet.")])
        paragraphs.append(
            _("Good day. Here are this week's market prices for %(where)s.") % {"where": where}
        )
        for row in rows:
            crop = row.commodity.display_name(language)
            sentence = _("%(crop)s: %(price)s %(unit)s") % {
                "crop": crop,
                "price": _money(row.median, language),
                "unit": _per_unit(row.commodity),
            }
            if row.change_pct is not None and abs(row.change_pct) >= 1:
                move = round(row.change_pct)
                words = spoken.percent(move, language)
                sentence += ", " + (
                    _("up %(pct)s on last week") if move > 0 else _("down %(pct)s on last week")
                ) % {"pct": words}
            if row.markets > 1:
                sentence += ". " + _("Cheapest at %(market)s, %(price)s") % {
                    "market": row.cheapest.market.display_name(language),
                    "price": _money(row.cheapest.median, language),
                }
            paragraphs.append(sentence + ".")
        page = pages.warnings_page(region=region)
        for warning in page.alarming:
            paragraphs.append(_warning_sentence(warning, language))
        for warning in page.low:
            paragraphs.append(_low_sentence(warning, language))
        paragraphs.append(_("Those were the market prices. Ask for any price by SMS."))
        return RadioScript(title, language, paragraphs)


def _warning_sentence(warning: PriceWarning, language: str) -> str:
    band = _("in crisis") if warning.alps_band == "crisis" else _("on alert")
    return _(
        "A warning: the price of %(crop)s at %(market)s is %(band)s, %(pct)s above the usual "
        "price for %(month)s."
    ) % {
        "crop": warning.commodity.display_name(language).lower(),
        "market": warning.market.display_name(language),
        "band": band,
        "pct": spoken.percent(warning.above_normal_pct or 0, language),
        "month": dates.month_name(warning.month),
    }


def _low_sentence(warning: PriceWarning, language: str) -> str:
    return _(
        "The price of %(crop)s at %(market)s is low for the season, %(pct)s below the usual price."
    ) % {
        "crop": warning.commodity.display_name(language).lower(),
        "market": warning.market.display_name(language),
        "pct": spoken.percent(warning.above_normal_pct or 0, language),
    }
