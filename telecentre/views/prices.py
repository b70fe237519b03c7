"""The pages of prices: latest prices, a commodity, a market, the grid, the map and
the warnings."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from agriprices.api.errors import PageNotFound
from agriprices.models import LatestPrice, Region
from agriprices.names import by_local_name
from agriprices.selectors.catalogue import (
    commodities,
    commodity_by_ref,
    market_by_ref,
)
from agriprices.selectors.latest import latest_prices
from agriprices.warnings.queries import with_warnings
from telecentre import charts, maps, trends
from telecentre.forms import (
    PriceFilterForm,
)
from telecentre.models import Bulletin
from telecentre.selectors import prices as price_pages
from telecentre.selectors import warnings as warning_pages
from telecentre.views.region import (
    chosen_price_type,
    chosen_region,
    price_type_choices,
    remember_region,
)

#: Rows on one page of prices: enough for a region, small enough for a 2G link; the
#: rest are on the next pages.
MAX_ROWS = 120
CHART_MONTHS = (3, 6, 12, 24)


def _pages_of(request: HttpRequest, rows: QuerySet | Callable[[], QuerySet]) -> dict[str, object]:
    """A table's page (``?page=``, MAX_ROWS rows) for the template, read only when its
    cached fragment is stale (``rows`` may be a function that makes them then); ``number``
    belongs in the fragment's key, ``keep`` is the query string the page links carry on."""
    number = request.GET.get("page", "1")
    keep = request.GET.copy()
    keep.pop("page", None)
    return {
        "page": lambda: Paginator(rows() if callable(rows) else rows, MAX_ROWS).get_page(number),
        "number": number,
        "keep": keep.urlencode(),
    }


def _current_bulletins(region: Region | None, limit: int = 5) -> QuerySet[Bulletin]:
    bulletins = Bulletin.objects.current()
    if region is not None:
        bulletins = bulletins.filter(regions=region)
    return bulletins.order_by("-published_at")[:limit]


def home(request: HttpRequest) -> HttpResponse:
    region = chosen_region(request)
    price_type = chosen_price_type(request)
    data = request.GET.copy()
    if region is not None and "region" not in data:
        data["region"] = region.slug
    data["price_type"] = price_type
    form = PriceFilterForm(data)
    chosen = form.cleaned_data if form.is_valid() else {}

    def rows() -> QuerySet[LatestPrice]:
        if not chosen:
            # As the page says: the filters not understood are left out.
            return price_pages.price_table(
                language=get_language(), region=region, price_type=price_type
            )
        return price_pages.price_table(
            language=get_language(),
            region=chosen["region"],
            market=chosen["market"],
            category=chosen["category"],
            search=chosen["q"],
            price_type=price_type,
        )

    response = render(
        request,
        "telecentre/home.html",
        {
            "form": form,
            **_pages_of(request, rows),
            "version": price_pages.prices_version(),
            "region": region,
            **price_type_choices(price_type),
            "bulletins": _current_bulletins(region),
        },
    )
    return remember_region(request, response)


def commodity_detail(request: HttpRequest, ref: str) -> HttpResponse:
    commodity = commodity_by_ref(ref)
    if commodity is None:
        raise PageNotFound(_("No such commodity."))
    region = chosen_region(request)
    price_type = chosen_price_type(request)
    try:
        months = int(request.GET.get("months", 6))
    except ValueError:
        months = 6
    months = months if months in CHART_MONTHS else 6
    language = get_language()
    name = commodity.display_name(language)
    version = price_pages.prices_version()
    # "2": what is cached changed shape (markets in a band beyond the small charts).
    place = region.pk if region else 0
    key = f"charts2:{commodity.pk}:{place}:{price_type}:{months}:{language}:{version}"
    prices = with_warnings(latest_prices(commodity=commodity, region=region, price_type=price_type))
    found = cache.get(key)
    if found is None:
        found = trends.commodity_charts(
            commodity=commodity,
            prices=list(prices),
            months=months,
            title=ngettext(
                "Weekly median price of %(name)s, last %(months)d month",
                "Weekly median price of %(name)s, last %(months)d months",
                months,
            )
            % {"name": name, "months": months},
            language=language,
            price_type=price_type,
        )
        cache.set(key, found, settings.API_CACHE_SECONDS)
    keep = request.GET.copy()
    for asked in ("months", "page"):
        keep.pop(asked, None)
    response = render(
        request,
        "telecentre/commodity.html",
        {
            "commodity": commodity,
            "name": name,
            "region": region,
            "all_regions": price_pages.regions_by_name(language),
            **price_type_choices(price_type),
            "filter_keep": [("months", months)],
            "keep_months": keep.urlencode(),
            **_pages_of(request, prices),
            # Built by charts.py, every label escaped.
            "chart": mark_safe(found.trend),  # noqa: S308
            "against_normal": [
                (caption, mark_safe(svg))  # noqa: S308
                for caption, svg in found.against_normal
            ],
            "also_in_a_band": found.also_in_a_band,
            "months": months,
            "month_choices": CHART_MONTHS,
            "version": version,
        },
    )
    return remember_region(request, response)


def market_detail(request: HttpRequest, ref: str) -> HttpResponse:
    market = market_by_ref(ref)
    if market is None:
        raise PageNotFound(_("No such market."))
    language = get_language()
    price_type = chosen_price_type(request)

    def rows() -> list[tuple[LatestPrice, str]]:
        medians = price_pages.weekly_medians_at(market, weeks=12, price_type=price_type)
        return [
            (
                row,
                charts.sparkline(
                    medians.get(row.commodity_id, []),
                    label=_("%(name)s, 12 weeks") % {"name": row.commodity.display_name(language)},
                ),
            )
            for row in with_warnings(latest_prices(market=market, price_type=price_type)).order_by(
                price_pages.crops_order(language)
            )
        ]

    return render(
        request,
        "telecentre/market.html",
        {
            "market": market,
            "name": market.display_name(language),
            **price_type_choices(price_type),
            "rows": rows,  # called only when the cached table is stale
            "version": price_pages.prices_version(),
        },
    )


def price_grid(request: HttpRequest) -> HttpResponse:
    """Crops down, markets across, for a notice board or a phone."""
    region = chosen_region(request)
    price_type = chosen_price_type(request)
    language = get_language()
    response = render(
        request,
        "telecentre/grid.html",
        {
            # Read when not cached.
            "grid": lambda: price_pages.price_grid(
                language=language, region=region, price_type=price_type
            ),
            "region": region,
            **price_type_choices(price_type),
            "all_regions": price_pages.regions_by_name(get_language()),
            "stale_days": price_pages.STALE_DAYS,
            "currency": settings.AGRIPRICES_CURRENCY,
            "version": price_pages.prices_version(),
        },
    )
    return remember_region(request, response)


def market_map(request: HttpRequest) -> HttpResponse:
    """The markets on a map of the country, coloured by how their price of one crop
    compares with the national median, and the same as a table."""
    crops = list(commodities())
    ref = request.GET.get("commodity", "")
    commodity = commodity_by_ref(ref) if ref else (crops[0] if crops else None)
    if commodity is None:
        raise PageNotFound(_("No such commodity."))
    price_type = chosen_price_type(request)
    language = get_language()
    version = price_pages.prices_version()
    key = f"map-drawing:{commodity.pk}:{price_type}:{language}:{version}"
    found = cache.get(key)
    if found is None:
        priced = price_pages.price_map(commodity, price_type)
        name = commodity.display_name(language)
        drawing = maps.market_map(
            price_pages.map_pins(priced, language),
            title=_("Price of %(name)s at each market") % {"name": name},
        )
        found = (priced, str(drawing.svg), drawing.numbered, drawing.unlabelled)
        cache.set(key, found, settings.API_CACHE_SECONDS)
    priced, svg, numbered, unlabelled = found
    return render(
        request,
        "telecentre/map.html",
        {
            "commodity": commodity,
            "crops": by_local_name(crops, language),
            **price_type_choices(price_type),
            "priced": priced,
            "svg": mark_safe(svg),  # noqa: S308 - built by maps.py, labels escaped
            "numbered": numbered,
            "unlabelled": unlabelled,
            "near_pct": maps.NEAR_PCT,
            "currency": settings.AGRIPRICES_CURRENCY,
        },
    )


def price_warnings(request: HttpRequest) -> HttpResponse:
    """Crops whose price is abnormal for the season, worst first, per region."""
    region = chosen_region(request)
    response = render(
        request,
        "telecentre/warnings.html",
        {
            "page": lambda: warning_pages.warnings_page(region=region),  # read when not cached
            "region": region,
            "all_regions": price_pages.regions_by_name(get_language()),
            "version": price_pages.prices_version(),
        },
    )
    return remember_region(request, response)
