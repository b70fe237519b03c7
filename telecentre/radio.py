"""The week's prices and warnings as a presenter reads them on air: plain sentences in
one language, every number in words, every price with its market.

Each sentence names the crop and the market, so a listener who tunes in halfway still
knows where a price is paid: "Potatoes in Osh: thirty-three som fifty tyiyn a kilo, up
five percent on last week." Markets, regions and crops are said by their names in the
script's language, "in <market>" declined where the language needs it
(``agriprices.declension``: "в Оше", "Ошто"); crop names stay in the nominative, the
sentences are built so that they can. For the whole country the script goes region by
region, each under its name, with its warnings after its prices."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from agriprices import spoken
from agriprices.declension import locative
from agriprices.models import Commodity, Market, Region
from agriprices.names import collation_key
from agriprices.periods import period_start
from agriprices.warnings import bands
from agriprices.warnings.models import PriceWarning
from telecentre import dates
from telecentre.selectors import warnings as warning_pages
from telecentre.selectors import weeks as week_pages


@dataclass(frozen=True)
class Section:
    """One region's part of the script: its name (empty when the whole script is that
    region's) and its paragraphs, one per crop, then its warnings."""

    heading: str
    paragraphs: list[str]


@dataclass(frozen=True)
class RadioScript:
    title: str
    language: str
    opening: str
    sections: list[Section]
    closing: str


def _no_prices(week: date | None) -> str:
    """What the script says when a week has no prices: "yet" only of a week not over."""
    if week is None:
        return _("There are no prices yet.")
    if week < period_start(timezone.localdate(), "week"):
        return _("There were no prices in the week of %(day)s.") % {"day": dates.day(week)}
    return _("There are no prices for this week yet.")


def radio_script(*, region: Region | None, language: str, week: date | None) -> RadioScript:
    """The script for ``region`` (or the whole country, region by region) in
    ``language``: each market's median price of each crop in the week and its move on
    the week before; then the crops the warnings announce (alert or crisis, and low for
    the season: the bands with a radio sentence)."""
    with translation.override(language):
        place = region.display_name(language) if region else _("all regions")
        title = (
            _("Market prices, week of %(day)s: %(place)s")
            % {"day": dates.day(week), "place": place}
            if week
            else _("Market prices: %(place)s") % {"place": place}
        )
        rows = week_pages.week_of_prices(week, language=language, region=region) if week else []
        if not rows:
            return RadioScript(title, language, _no_prices(week), [], "")
        if region is not None:
            opening = _("Good day. Here are this week's market prices %(in_region)s.") % {
                "in_region": locative(region, language)
            }
        else:
            opening = _(
                "Good day. Here are this week's market prices across the country, region by region."
            )
        sections = _sections(rows, warning_pages.warnings_page(region=region), language, region)
        closing = _("Those were the market prices. Ask for any price by SMS.")
        return RadioScript(title, language, opening, sections, closing)


def _sections(
    rows: list[week_pages.WeekRow],
    page: warning_pages.WarningsPage,
    language: str,
    region: Region | None,
) -> list[Section]:
    crops: dict[Region, dict[Commodity, list[week_pages.WeekRow]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in rows:
        crops[row.market.region][row.commodity].append(row)
    warnings: dict[Region, list[str]] = defaultdict(list)
    for warning in page.announced:
        warnings[warning.market.region].append(_warning_sentence(warning, language))

    def by_name(thing: Region | Commodity | Market) -> tuple[int, ...]:
        # Alphabetical as a reader expects it: "Œufs" among the o's, "Өзгөн" after о.
        return collation_key(thing.display_name(language))

    sections = []
    for place in sorted(crops.keys() | warnings.keys(), key=by_name):
        paragraphs = [
            " ".join(
                _price_sentence(row, language)
                for row in sorted(crops[place][crop], key=lambda r: by_name(r.market))
            )
            for crop in sorted(crops[place], key=by_name)
        ]
        heading = "" if region is not None else capfirst(place.display_name(language))
        sections.append(Section(heading, paragraphs + warnings[place]))
    return sections


def _price_sentence(row: week_pages.WeekRow, language: str) -> str:
    sentence = _("%(crop)s %(in_market)s: %(price)s %(unit)s") % {
        "crop": _in_a_sentence(row.commodity.display_name(language)),
        "in_market": locative(row.market, language),
        "price": _money(row.median, language),
        "unit": spoken.per_unit(row.commodity),
    }
    if row.change_pct is not None and abs(row.change_pct) >= 1:
        move = round(row.change_pct)
        change = _("up %(pct)s on last week") if move > 0 else _("down %(pct)s on last week")
        sentence += ", " + change % {"pct": spoken.percent(move, language)}
    return capfirst(sentence) + "."


def _warning_sentence(warning: PriceWarning, language: str) -> str:
    """The band table's sentence for the band a warning shows (``WarningsPage.announced``
    has only bands with one)."""
    band = bands.band(warning.badge)
    if band is None or band.radio is None:
        raise ValueError(f"the radio script says nothing of the band {warning.badge!r}")
    return capfirst(str(band.radio) % _warning_words(warning, language))


def _warning_words(warning: PriceWarning, language: str) -> dict[str, str]:
    return {
        "crop": _in_a_sentence(warning.commodity.display_name(language)),
        "in_market": locative(warning.market, language),
        "pct": spoken.percent(warning.above_normal_pct or 0, language),
        "month": dates.month_usual_for(warning.month),
    }


def _in_a_sentence(name: str) -> str:
    """A crop's name as a common noun inside a sentence ("potatoes", "картофель"); a name
    that starts with an acronym keeps its capitals. The sentence's first letter is made a
    capital afterwards, wherever the language puts the crop."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def _money(value: Decimal, language: str) -> str:
    return spoken.price(value, settings.AGRIPRICES_CURRENCY, language)
