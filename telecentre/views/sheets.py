"""What is printed and read on air: the week's price sheet, its CSV and the radio
script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agriprices import spreadsheet
from agriprices.api.errors import PageBadRequest
from agriprices.models import PriceType, Region
from agriprices.periods import period_start
from telecentre import radio
from telecentre.selectors import prices as price_pages
from telecentre.selectors import weeks as week_pages
from telecentre.views.region import (
    chosen_price_type,
    chosen_region,
    price_type_choices,
    remember_region,
)


def _sheet_week(request: HttpRequest, price_type: str = PriceType.RETAIL) -> date | None:
    """The week asked for (any day of it), else the newest with prices; a week that is
    no date is a 400 naming it, never the newest week in its place."""
    asked = request.GET.get("week", "")
    if not asked:
        return week_pages.latest_summary_week(price_type)
    try:
        day = date.fromisoformat(asked)
    except ValueError:
        raise PageBadRequest(
            _("Week: “%(week)s” is not a day written as YYYY-MM-DD.") % {"week": asked[:40]}
        ) from None
    return period_start(day, "week")


def price_sheet(request: HttpRequest) -> HttpResponse:
    price_type = chosen_price_type(request)
    week, region = _sheet_week(request, price_type), chosen_region(request)
    language = get_language()

    def regions() -> list[tuple[Region, list, object]]:
        """Per region: its rows, and its one market when it has only one (then there is
        no cheapest or dearest to name)."""
        tables: dict[int, tuple[Region, list]] = {}
        found = (
            week_pages.regional_week(week, language=language, region=region, price_type=price_type)
            if week
            else []
        )
        for row in found:
            tables.setdefault(row.region.pk, (row.region, []))[1].append(row)
        return [(place, rows, week_pages.only_market(rows)) for place, rows in tables.values()]

    response = render(
        request,
        "telecentre/sheet.html",
        {
            "week": week,
            "week_end": week + timedelta(days=6) if week else None,
            "regions": regions,  # called only when the cached tables are stale
            "region": region,
            "all_regions": price_pages.regions_by_name(language),
            **price_type_choices(price_type),
            "keep": [("week", week.isoformat())] if week else [],
            "version": price_pages.prices_version(),
        },
    )
    return remember_region(request, response)


def radio_script(request: HttpRequest) -> HttpResponse:
    """The week's prices and warnings as sentences read on air, in the language asked
    for (``lang``) or the page's."""
    week, region = _sheet_week(request), chosen_region(request)
    languages = [code for code, _name in settings.LANGUAGES]
    asked = request.GET.get("lang", "")
    if asked and asked not in languages:
        raise PageBadRequest(
            _("Language: there is no script in “%(lang)s”; choose one of %(choices)s.")
            % {"lang": asked[:20], "choices": ", ".join(languages)}
        )
    language = asked or get_language()
    script = radio.radio_script(region=region, language=language, week=week)
    response = render(
        request,
        "telecentre/radio.html",
        {
            "script": script,
            "region": region,
            "all_regions": price_pages.regions_by_name(get_language()),
            "languages": settings.LANGUAGES,
            "keep": [("lang", language)],
        },
    )
    return remember_region(request, response)


def price_sheet_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every market's week, not folded: the whole data behind the printed sheet,
    streamed a line at a time."""
    price_type = chosen_price_type(request)
    week, region = _sheet_week(request, price_type), chosen_region(request)
    found = (
        week_pages.week_of_prices(
            week, language=get_language(), region=region, price_type=price_type
        )
        if week
        else []
    )

    def table() -> Iterator[list[object]]:
        yield [
            "week",
            "region",
            "commodity",
            "market",
            "unit",
            "median",
            "low",
            "high",
            "change_pct",
        ]
        for row in found:
            yield [
                week,
                row.market.region.name,
                row.commodity.name,
                row.market.name,
                row.commodity.base_unit.code,
                f"{row.median.normalize():f}",
                f"{row.low.normalize():f}",
                f"{row.high.normalize():f}",
                "" if row.change_pct is None else f"{row.change_pct:.1f}",
            ]

    response = StreamingHttpResponse(
        spreadsheet.lines(table()), content_type="text/csv; charset=utf-8"
    )
    # The file says what it holds once saved beside others: prices-osh-2026-11-30.csv.
    place = re.sub(r"[^a-z0-9-]+", "-", region.slug.lower()).strip("-") if region else ""
    kind = "" if price_type == PriceType.RETAIL else f"-{price_type}"
    name = f"prices-{place or 'all-regions'}{kind}-{week or 'none'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
