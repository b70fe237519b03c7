"""The dashboard's price tables, grid and map, in the reader's language and order."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Func, QuerySet, Value
from django.utils import timezone
from django.utils.formats import number_format

from agriprices.formatting import rounded_price
from agriprices.models import Commodity, LatestPrice, Market, PriceSummary, PriceType, Region
from agriprices.names import by_local_name, collation_key
from agriprices.periods import period_start
from agriprices.reading import read
from agriprices.selectors.catalogue import local_order, regions
from agriprices.selectors.latest import latest_prices, prices_last_modified
from agriprices.warnings.queries import with_warnings
from telecentre import maps


def prices_version() -> str:
    """Changes whenever any price does: part of every cache key of price fragments, so
    a cached table or chart is never stale and needs no invalidation."""
    changed = prices_last_modified()
    return f"{changed.timestamp():.6f}" if changed else "0"


def regions_by_name(language: str) -> list[Region]:
    """Every region, by its name in ``language`` in that language's order."""
    return by_local_name(regions(), language)


def price_table(
    *,
    language: str,
    region: Region | None = None,
    market: Market | None = None,
    category: str = "",
    search: str = "",
    price_type: str = PriceType.RETAIL,
) -> QuerySet[LatestPrice]:
    """Latest prices of one type by commodity and market name in ``language``, in its
    order. ``search`` is read like a farmer's question (sms_gateway's understanding):
    the crop, the market or both, named in any language, inflected or misspelt. Two
    small queries (the names to order by), then lazy."""
    rows = with_warnings(latest_prices(region=region, market=market, price_type=price_type))
    if category:
        rows = rows.filter(commodity__category=category)
    if search:
        # Understood as an SMS question is ("картошка в Оше", "onion prices osh").
        asked = read(search)
        if asked.commodity is None and asked.market is None:
            return rows.none()
        if asked.commodity is not None:
            rows = rows.filter(commodity=asked.commodity)
        if asked.market is not None:
            rows = rows.filter(market=asked.market)
    return rows.order_by(crops_order(language), markets_order(language, region))


_NAMED = ("pk", "name", "translations")


def crops_order(language: str) -> Func | Value:
    """Rows with a commodity in the order of its name in ``language`` (names.by_local_name).
    One small query."""
    return local_order("commodity_id", Commodity.objects.only(*_NAMED), language)


def markets_order(language: str, region: Region | None = None) -> Func | Value:
    """Rows with a market in the order of its name in ``language``. One small query."""
    places = Market.objects.only(*_NAMED)
    if region is not None:
        places = places.filter(region=region)
    return local_order("market_id", places, language)


# --- Operators' pages -------------------------------------------------------------


def weekly_medians_at(
    market: Market, *, weeks: int = 12, price_type: str = PriceType.RETAIL
) -> dict[int, list[Decimal]]:
    """Weekly median per base unit of every commodity at a market (of one price type),
    oldest first, by commodity id: the sparklines of a market page. One query."""
    since = period_start(timezone.localdate() - timedelta(weeks=weeks - 1), "week")
    rows = (
        PriceSummary.objects.filter(
            market=market, price_type=price_type, period="week", period_start__gte=since
        )
        .order_by("commodity_id", "period_start")
        .values_list("commodity_id", "median")
    )
    medians: dict[int, list[Decimal]] = defaultdict(list)
    for commodity_id, median in rows:
        medians[commodity_id].append(median)
    return dict(medians)


STALE_DAYS = 14
#: Markets one grid shows across; a country with more is shown a region at a time.
GRID_MARKETS = 16


@dataclass(frozen=True)
class GridCell:
    latest: LatestPrice
    age_days: int
    stale: bool
    cheapest: bool  # the cheapest current price of its row, when the row has two or more


@dataclass(frozen=True)
class PriceGrid:
    """Crops down, markets across: the latest retail price in each cell."""

    markets: list[Market]
    rows: list[tuple[Commodity, list[GridCell | None]]]
    too_many_markets: bool  # more than GRID_MARKETS: choose a region


def price_grid(
    *,
    language: str,
    region: Region | None = None,
    price_type: str = PriceType.RETAIL,
    today: date | None = None,
) -> PriceGrid:
    """The latest prices of one type in a region (or the country) as a grid, crops and
    markets by their names in ``language``. One query."""
    today = today or timezone.localdate()
    latest = list(latest_prices(region=region, price_type=price_type))
    markets = by_local_name({row.market for row in latest}, language)
    if len(markets) > GRID_MARKETS:
        return PriceGrid(markets=[], rows=[], too_many_markets=True)
    column = {market.pk: n for n, market in enumerate(markets)}
    by_crop: dict[int, tuple[Commodity, list[GridCell | None]]] = {}
    for row in latest:
        age = (today - row.observed_on).days
        cells = by_crop.setdefault(row.commodity_id, (row.commodity, [None] * len(markets)))[1]
        cells[column[row.market_id]] = GridCell(row, age, age > STALE_DAYS, cheapest=False)
    rows = []
    for commodity, cells in sorted(
        by_crop.values(), key=lambda item: collation_key(item[0].display_name(language))
    ):
        current = [c for c in cells if c and not c.stale]
        if len(current) > 1:
            cheapest = min(current, key=lambda c: c.latest.price_per_base_unit)
            cells = [
                GridCell(c.latest, c.age_days, c.stale, cheapest=True) if c is cheapest else c
                for c in cells
            ]
        rows.append((commodity, cells))
    return PriceGrid(markets=markets, rows=rows, too_many_markets=False)


# --- The map -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MapRow:
    latest: LatestPrice
    vs_median_pct: Decimal | None
    comparison: str  # cheaper, near or dearer (maps.comparison)


@dataclass(frozen=True)
class PriceMap:
    commodity: Commodity
    median: Decimal | None  # the national median of the markets' latest prices
    rows: list[MapRow]  # every market with a price, cheapest first


def price_map(commodity: Commodity, price_type: str = PriceType.RETAIL) -> PriceMap:
    """Every market's latest price of ``commodity`` (of one type) in the service's
    currency against the national median of them. One query."""
    latest = [
        row
        for row in latest_prices(commodity=commodity, price_type=price_type)
        if row.currency == settings.AGRIPRICES_CURRENCY
    ]
    median = Decimal(statistics.median(r.price_per_base_unit for r in latest)) if latest else None
    rows = []
    for row in latest:
        pct = (row.price_per_base_unit - median) / median * 100 if median else None
        rows.append(MapRow(row, pct, maps.comparison(pct)))
    return PriceMap(commodity, median, rows)


def map_pins(priced: PriceMap, language: str) -> list[maps.Pin]:
    """The markets of ``priced`` that have a position, as pins labelled in ``language``."""
    return [
        maps.Pin(
            label=f"{row.latest.market.display_name(language)} "
            f"{number_format(rounded_price(row.latest.price_per_base_unit), use_l10n=True)}",
            latitude=float(row.latest.market.latitude),
            longitude=float(row.latest.market.longitude),
            comparison=row.comparison,
        )
        for row in priced.rows
        if row.latest.market.latitude is not None and row.latest.market.longitude is not None
    ]
