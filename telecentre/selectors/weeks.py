"""A week of prices, per market or per region: the printable sheet and the radio script."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max

from agriprices.models import Commodity, Market, PriceSummary, PriceType, Region
from agriprices.names import collation_key


@dataclass(frozen=True)
class WeekRow:
    """One market's week of one commodity, for the printed sheet."""

    commodity: Commodity
    market: Market
    median: Decimal
    low: Decimal
    high: Decimal
    change_pct: Decimal | None  # against the week before


def week_of_prices(
    week_start: date,
    *,
    language: str,
    region: Region | None = None,
    price_type: str = PriceType.RETAIL,
) -> list[WeekRow]:
    """Every weekly summary of one price type of one week (in one region, if given) with its change
    against the week before, by region, commodity and market, by their names in
    ``language``: the printed price sheet. Four queries; the rows share their commodity
    and market objects."""
    rows = PriceSummary.objects.filter(period="week", price_type=price_type)
    if region is not None:
        rows = rows.filter(market__region=region)
    fields = ("commodity_id", "market_id", "median", "low", "high")
    this_week = list(rows.filter(period_start=week_start).values_list(*fields))
    before = {
        (c, m): median
        for c, m, median in rows.filter(period_start=week_start - timedelta(weeks=1)).values_list(
            "commodity_id", "market_id", "median"
        )
    }
    commodities = Commodity.objects.select_related("base_unit").in_bulk({c for c, *_ in this_week})
    markets = Market.objects.select_related("region").in_bulk({m for _, m, *_ in this_week})
    found = []
    for commodity_id, market_id, median, low, high in this_week:
        previous = before.get((commodity_id, market_id))
        found.append(
            WeekRow(
                commodity=commodities[commodity_id],
                market=markets[market_id],
                median=median,
                low=low,
                high=high,
                change_pct=(median - previous) / previous * 100 if previous else None,
            )
        )
    found.sort(
        key=lambda r: (
            collation_key(r.market.region.display_name(language)),
            collation_key(r.commodity.display_name(language)),
            collation_key(r.market.display_name(language)),
        )
    )
    return found


@dataclass(frozen=True)
class RegionWeekRow:
    """One commodity in one region for a week: the median of its markets' medians, the
    cheapest and dearest market, and the change of that median against the week before."""

    region: Region
    commodity: Commodity
    median: Decimal
    cheapest: WeekRow
    dearest: WeekRow
    markets: int
    change_pct: Decimal | None


def regional_week(
    week_start: date,
    *,
    language: str,
    region: Region | None = None,
    price_type: str = PriceType.RETAIL,
) -> list[RegionWeekRow]:
    """``week_of_prices`` folded to one row per region and commodity: a sheet that fits an
    A4 page per region however many markets it has."""
    before = _regional_medians(week_start - timedelta(weeks=1), region, price_type)
    groups: dict[tuple[int, int], list[WeekRow]] = defaultdict(list)
    for row in week_of_prices(week_start, language=language, region=region, price_type=price_type):
        groups[(row.market.region_id, row.commodity.pk)].append(row)
    folded = []
    for (region_id, commodity_id), rows in groups.items():
        median = Decimal(statistics.median(r.median for r in rows))
        previous = before.get((region_id, commodity_id))
        folded.append(
            RegionWeekRow(
                region=rows[0].market.region,
                commodity=rows[0].commodity,
                median=median,
                cheapest=min(rows, key=lambda r: r.median),
                dearest=max(rows, key=lambda r: r.median),
                markets=len(rows),
                change_pct=(median - previous) / previous * 100 if previous else None,
            )
        )
    folded.sort(
        key=lambda r: (
            collation_key(r.region.display_name(language)),
            collation_key(r.commodity.display_name(language)),
        )
    )
    return folded


def only_market(rows: list[RegionWeekRow]) -> Market | None:
    """The one market a region's week comes from, or None when there are several."""
    markets = {row.cheapest.market for row in rows} | {row.dearest.market for row in rows}
    return markets.pop() if len(markets) == 1 else None


def _regional_medians(
    week_start: date, region: Region | None, price_type: str
) -> dict[tuple[int, int], Decimal]:
    rows = PriceSummary.objects.filter(
        period="week", price_type=price_type, period_start=week_start
    )
    if region is not None:
        rows = rows.filter(market__region=region)
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for region_id, commodity_id, median in rows.values_list(
        "market__region_id", "commodity_id", "median"
    ):
        values[(region_id, commodity_id)].append(median)
    return {key: Decimal(statistics.median(v)) for key, v in values.items()}


def latest_summary_week(price_type: str = PriceType.RETAIL) -> date | None:
    """The newest week that has any weekly summary (of one price type)."""
    return (
        PriceSummary.objects.filter(period="week", price_type=price_type)
        .aggregate(newest=Max("period_start"))
        .get("newest")
    )


# --- Price warnings ----------------------------------------------------------------------
