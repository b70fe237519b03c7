"""Latest prices: one row per series, read in one query, with the markets around a
price and the time of the last change every cached answer is keyed by."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import DateTimeField, Max, Model, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from agriprices.collection.freshness import old_ones
from agriprices.collection.models import CollectionPlan
from agriprices.models import (
    Commodity,
    CommodityAlias,
    Deletion,
    LatestPrice,
    Market,
    MarketAlias,
    PriceType,
    Quote,
    Region,
    Unit,
)
from agriprices.warnings.models import PriceWarning
from agriprices.warnings.queries import warning_of

_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def prices_last_modified() -> datetime | None:
    """When anything a price answer shows last changed, in one query: any price, any
    price warning, the catalogue it is named from (a region, commodity, market or unit
    renamed, or given a name in another language or another name), or a market's
    collection plan (which says whether a price is still fresh, and what completeness
    counts). The Last-Modified of API answers, and the key of every cached answer, page
    and reply: the one rule that keeps them from going stale. A deletion leaves no newer
    row, so the newest one (``models.Deletion``) counts too."""
    never = Value(_NEVER, output_field=DateTimeField())

    def newest(model: type[Model], field: str) -> Coalesce:
        # Written as SQL: built from querysets, these five subqueries cost more to
        # compile than to run (about 2 ms of CPU on every SMS price answer, bench sms).
        quote = connection.ops.quote_name
        stamp = model._meta.get_field(field)
        assert isinstance(stamp, DateTimeField) and stamp.column  # noqa: S101 - our own models
        column = quote(stamp.column)
        # Names from the models' own metadata, quoted: nothing a user wrote.
        newest_sql = f"SELECT MAX({column}) FROM {quote(model._meta.db_table)}"  # noqa: S608
        found = RawSQL(newest_sql, (), output_field=DateTimeField())  # noqa: S611
        return Coalesce(found, never)

    changed = Quote.objects.aggregate(
        changed=Greatest(
            Coalesce(Max("updated_at"), never),
            newest(PriceWarning, "computed_at"),
            newest(Deletion, "at"),
            *(
                newest(model, "updated_at")
                for model in (
                    Region,
                    Commodity,
                    Market,
                    Unit,
                    CommodityAlias,
                    MarketAlias,
                    CollectionPlan,
                )
            ),
        )
    )["changed"]
    return None if changed is None or changed == _NEVER else changed


def _latest_queryset() -> QuerySet[LatestPrice]:
    return LatestPrice.objects.select_related(
        "commodity", "commodity__base_unit", "market", "market__region", "unit"
    )


def latest_price(
    *, commodity: Commodity, market: Market, price_type: str = PriceType.RETAIL
) -> LatestPrice | None:
    """The newest approved price of a commodity at a market, with its week and month
    changes (``change_week_pct``, ``change_month_pct``). One query."""
    return (
        _latest_queryset().filter(commodity=commodity, market=market, price_type=price_type).first()
    )


def latest_prices(
    *,
    commodity: Commodity | None = None,
    market: Market | None = None,
    markets: Sequence[Market] | None = None,
    region: Region | None = None,
    price_type: str | None = PriceType.RETAIL,
) -> QuerySet[LatestPrice]:
    """Latest prices across markets (for a commodity) or across commodities (for a
    market, or several), cheapest per base unit first. One query, however many rows."""
    rows = _latest_queryset()
    if commodity is not None:
        rows = rows.filter(commodity=commodity)
    if market is not None:
        rows = rows.filter(market=market)
    if markets:
        rows = rows.filter(market__in=markets)
    if region is not None:
        rows = rows.filter(market__region=region)
    if price_type is not None:
        rows = rows.filter(price_type=price_type)
    return rows.order_by("commodity__name", "price_per_base_unit", "market__name")


def markets_priced(*, commodity: Commodity, price_type: str = PriceType.RETAIL) -> set[int]:
    """The ids of the markets with a latest price of ``commodity``: what a menu offering
    only those needs, without reading the prices. One query on the series' unique index,
    however many markets."""
    rows = LatestPrice.objects.filter(commodity=commodity, price_type=price_type)
    return set(rows.values_list("market_id", flat=True))


#: A latest price older than this says nothing about what a market pays today.
CURRENT_PRICE_DAYS = 30


def best_paying_markets(
    *, commodity: Commodity, limit: int = 3, price_type: str = PriceType.RETAIL
) -> list[LatestPrice]:
    """The markets paying most for ``commodity`` now: latest prices of the last
    CURRENT_PRICE_DAYS days in the service's currency, dearest per base unit first. One
    query."""
    since = timezone.localdate() - timedelta(days=CURRENT_PRICE_DAYS)
    rows = latest_prices(commodity=commodity, price_type=price_type).filter(
        observed_on__gte=since, currency=settings.AGRIPRICES_CURRENCY
    )
    return list(rows.order_by("-price_per_base_unit", "market__name")[:limit])


#: How many of the cheapest (and the dearest) other markets are read to find one whose
#: price is not old.
NEIGHBOURS_READ = 5


def price_neighbours(latest: LatestPrice) -> tuple[LatestPrice | None, LatestPrice | None]:
    """The cheapest and the dearest other market for the same commodity, price type and
    currency, compared per base unit, leaving out a price older than its market's cycle
    allows, which would pass for today's (None when no market is cheaper, or dearer, of
    the few read). Two queries of a few rows, and their plans when one is old, however
    many markets there are."""

    others = (
        _latest_queryset()
        .filter(
            commodity_id=latest.commodity_id,
            price_type=latest.price_type,
            currency=latest.currency,
        )
        .exclude(market_id=latest.market_id)
    )
    cheaper = list(
        others.filter(price_per_base_unit__lt=latest.price_per_base_unit).order_by(
            "price_per_base_unit", "market__name"
        )[:NEIGHBOURS_READ]
    )
    dearer = list(
        others.filter(price_per_base_unit__gt=latest.price_per_base_unit).order_by(
            "-price_per_base_unit", "market__name"
        )[:NEIGHBOURS_READ]
    )
    old = old_ones([*cheaper, *dearer], today=timezone.localdate())
    return (
        next((row for row in cheaper if row.pk not in old), None),
        next((row for row in dearer if row.pk not in old), None),
    )


def latest_with_neighbours(
    *, commodity: Commodity, market: Market, price_type: str = PriceType.RETAIL
) -> tuple[LatestPrice | None, LatestPrice | None, LatestPrice | None, PriceWarning | None]:
    """(latest, cheapest other, dearest other, the warning of the latest's month) for an
    SMS answer. Kept in the shared cache until any price or warning changes, like the
    API's answers: the key holds the time of the last change, read first (an index
    lookup), so it is never stale."""
    changed = prices_last_modified()
    stamp = changed.timestamp() if changed else 0
    # Today is in the key too: a warning stops speaking once its series' latest price is
    # two months old (FAO FPMA), with no price changing.
    day = timezone.localdate().isoformat()
    key = f"latest+neighbours+warning:{commodity.pk}:{market.pk}:{price_type}:{stamp}:{day}"
    found = cache.get(key)
    if found is None:
        latest = latest_price(commodity=commodity, market=market, price_type=price_type)
        if latest is None:
            found = (None, None, None, None)
        else:
            found = (latest, *price_neighbours(latest), warning_of(latest))
        cache.set(key, found, settings.API_CACHE_SECONDS)
    return found
