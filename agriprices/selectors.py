"""Every read of price data that SMS replies, the API and the dashboard use.

Each function makes a known, small number of queries whatever the number of rows it
returns (tests hold them to it).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from agriprices import anomalies
from agriprices.models import (
    AgentProfile,
    Commodity,
    CommodityAlias,
    LatestPrice,
    Market,
    MarketAlias,
    PriceSummary,
    PriceType,
    PriceWarning,
    Quote,
    Region,
    Unit,
)
from agriprices.names import normalize_name
from agriprices.periods import PERIODS, Summary, period_start
from agriprices.validation import (
    ALL_MARKETS_WINDOW,
    MARKET_MAX_SAMPLES,
    MARKET_WINDOW,
    MIN_SAMPLES,
    SPARSE_MARKET_WINDOW,
    Observation,
)

# --- Who may record where ---------------------------------------------------------------


def can_record_for(user: User, market: Market) -> bool:
    """Operators (who hold ``record_any_market``) record anywhere; agents only at the
    markets they are assigned to."""
    if not user.is_active:
        return False
    if user.has_perm("agriprices.record_any_market"):
        return True
    return AgentProfile.objects.filter(user=user, markets=market).exists()


def assigned_markets(user: User) -> QuerySet[Market]:
    if user.has_perm("agriprices.record_any_market"):
        return Market.objects.select_related("region")
    return Market.objects.filter(agents__user=user).select_related("region")


#: Weeks of weekly medians behind the medians an offline form warns by.
RECENT_MEDIAN_WEEKS = 8


def recent_medians(markets: Sequence[Market]) -> dict[tuple[str, str, str], Decimal]:
    """The median of the last RECENT_MEDIAN_WEEKS weekly medians per base unit of every
    series at ``markets``, by (market slug, commodity slug, price type). One query."""
    since = period_start(timezone.localdate() - timedelta(weeks=RECENT_MEDIAN_WEEKS), "week")
    weekly: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
    rows = PriceSummary.objects.filter(
        market__in=markets, period="week", period_start__gte=since
    ).values_list("market__slug", "commodity__slug", "price_type", "median")
    for market, commodity, price_type, median in rows:
        weekly[(market, commodity, price_type)].append(median)
    return {
        key: Decimal(statistics.median(values)).quantize(Decimal("0.01"))
        for key, values in weekly.items()
    }


def recent_commodities_of(user: User, *, limit: int = 5) -> list[Commodity]:
    """The commodities an agent priced last, newest first (for their form). Two queries."""
    ids = list(
        Quote.objects.filter(agent=user)
        .order_by("-created_at")
        .values_list("commodity_id", flat=True)[:50]
    )
    wanted = list(dict.fromkeys(ids))[:limit]
    found = Commodity.objects.in_bulk(wanted)
    return [found[pk] for pk in wanted if pk in found]


def live_quote_of_agent(
    *,
    agent: User,
    market: Market,
    commodity: Commodity,
    price_type: str,
    observed_on: date,
) -> Quote | None:
    return (
        Quote.objects.filter(
            agent=agent,
            market=market,
            commodity=commodity,
            price_type=price_type,
            observed_on=observed_on,
        )
        .exclude(status=Quote.Status.REJECTED)
        .select_related("unit")
        .first()
    )


# --- Finding things by what callers call them ------------------------------------------


def _as_id(ref: str) -> int | None:
    """The id ``ref`` spells, if any. ASCII digits only: str.isdigit() also accepts "¹",
    which int() refuses."""
    if ref.isascii() and ref.isdigit() and len(ref) <= 18:
        return int(ref)
    return None


def _by_ref(
    model: type[Commodity] | type[Market],
    alias_model: type[CommodityAlias] | type[MarketAlias],
    owner: str,
    ref: str,
) -> Any:
    """An object by id, slug, or any alias (name in any script, or code like wfp:2618).
    Exact matches only: the API and forms must be predictable; typo tolerance is for
    ``search_*``."""
    ref = ref.strip()
    if not ref or len(ref) > 120 or "\x00" in ref:
        return None
    pk = _as_id(ref)
    if pk is not None:
        found = model.objects.filter(pk=pk).first()
        if found is not None:
            return found
    found = model.objects.filter(slug=ref.lower()).first()
    if found is not None:
        return found
    alias = alias_model.objects.filter(normalized=normalize_name(ref)).select_related(owner).first()
    if alias is not None:
        return getattr(alias, owner)
    return model.objects.filter(name__iexact=ref).first()


def commodity_by_ref(ref: str) -> Commodity | None:
    return _by_ref(Commodity, CommodityAlias, "commodity", ref)


def market_by_ref(ref: str) -> Market | None:
    return _by_ref(Market, MarketAlias, "market", ref)


def region_by_ref(ref: str) -> Region | None:
    ref = ref.strip()
    if not ref or len(ref) > 120 or "\x00" in ref:
        return None
    pk = _as_id(ref)
    if pk is not None:
        found = Region.objects.filter(pk=pk).first()
        if found is not None:
            return found
    return (
        Region.objects.filter(slug=ref.lower()).first()
        or Region.objects.filter(name__iexact=ref).first()
    )


def unit_by_code(code: str) -> Unit | None:
    if "\x00" in code:
        return None
    return Unit.objects.filter(code=code.strip().lower()).first()


# --- Catalogue lists ----------------------------------------------------------------------


def regions() -> QuerySet[Region]:
    return Region.objects.order_by("name")


def commodities(*, category: str | None = None) -> QuerySet[Commodity]:
    rows = Commodity.objects.select_related("base_unit").prefetch_related("aliases")
    if category:
        rows = rows.filter(category__iexact=category)
    return rows.order_by("name")


def markets(*, region: Region | None = None) -> QuerySet[Market]:
    rows = Market.objects.select_related("region").prefetch_related("aliases")
    if region is not None:
        rows = rows.filter(region=region)
    return rows.order_by("name")


def markets_by_id(ids: list[int]) -> QuerySet[Market]:
    return Market.objects.filter(pk__in=ids).select_related("region")


EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def markets_near(
    *,
    latitude: float,
    longitude: float,
    region: Region | None = None,
    within_km: float | None = None,
) -> list[Market]:
    """Markets with a known position, nearest first, each with ``distance_km`` set.
    Markets are few (hundreds), so the distance is computed here, the same on every
    database."""
    found = []
    for market in markets(region=region).exclude(latitude=None).exclude(longitude=None):
        away = distance_km(
            latitude, longitude, float(market.latitude or 0), float(market.longitude or 0)
        )
        market.distance_km = round(away, 1)  # type: ignore[attr-defined]  # read by the API
        if within_km is None or away <= within_km:
            found.append(market)
    return sorted(found, key=lambda m: (m.distance_km, m.name))  # type: ignore[attr-defined]  # set above


def quotes(
    *,
    commodity: Commodity | None = None,
    markets: Sequence[Market] | None = None,
    region: Region | None = None,
    price_type: str | None = None,
    status: str | None = Quote.Status.APPROVED,
    observed_after: date | None = None,
    observed_before: date | None = None,
) -> QuerySet[Quote]:
    """Quotes matching the filters, newest first, with everything a listing shows."""
    rows = Quote.objects.select_related(
        "commodity", "commodity__base_unit", "market", "market__region", "unit"
    )
    filters = {
        "commodity": commodity,
        "market__in": markets,
        "market__region": region,
        "price_type": price_type,
        "status": status,
        "observed_on__gte": observed_after,
        "observed_on__lte": observed_before,
    }
    rows = rows.filter(**{k: v for k, v in filters.items() if v is not None})
    return rows.order_by("-observed_on", "-id")


_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def prices_last_modified() -> datetime | None:
    """When any price or any price warning last changed (two index lookups in one
    query): the Last-Modified of API answers, and the key of every cached answer."""
    warned = PriceWarning.objects.order_by("-computed_at").values("computed_at")[:1]
    never = Value(_NEVER, output_field=DateTimeField())
    changed = Quote.objects.aggregate(
        changed=Greatest(
            Coalesce(Max("updated_at"), never),
            Coalesce(Subquery(warned, output_field=DateTimeField()), never),
        )
    )["changed"]
    return None if changed is None or changed == _NEVER else changed


# --- Inputs of the validation rules -----------------------------------------------------


def approved_observations(
    *, commodity_id: int, price_type: str, currency: str, start: date, end: date
) -> list[Observation]:
    """Approved prices per base unit of one commodity in [start, end], in one currency,
    for the outlier rule."""
    rows = Quote.objects.filter(
        commodity_id=commodity_id,
        price_type=price_type,
        currency=currency,
        status=Quote.Status.APPROVED,
        observed_on__gte=start,
        observed_on__lte=end,
    ).order_by("observed_on", "id")  # same tie order as reference_observations
    fields = ("observed_on", "market_id", "price_per_base_unit")
    return [
        Observation(day, market_id, value) for day, market_id, value in rows.values_list(*fields)
    ]


def reference_observations(
    *, commodity_id: int, market_id: int, price_type: str, currency: str, observed_on: date
) -> list[Observation]:
    """Just the approved prices the outlier rule can use for one new price: the market's
    latest few, and every market's recent ones only when the market has too few. Two
    bounded queries at most, however large the history."""
    approved = Quote.objects.filter(
        commodity_id=commodity_id,
        price_type=price_type,
        currency=currency,
        status=Quote.Status.APPROVED,
        observed_on__lte=observed_on,
    )
    fields = ("observed_on", "market_id", "price_per_base_unit")
    at_market = list(
        approved.filter(market_id=market_id, observed_on__gte=observed_on - SPARSE_MARKET_WINDOW)
        .order_by("-observed_on", "-id")
        .values_list(*fields)[:MARKET_MAX_SAMPLES]
    )
    rows = at_market
    recent = [row for row in at_market if row[0] >= observed_on - MARKET_WINDOW]
    if len(recent) < MIN_SAMPLES:
        rows = at_market + list(
            approved.filter(observed_on__gte=observed_on - ALL_MARKETS_WINDOW)
            .exclude(market_id=market_id)
            .values_list(*fields)
        )
    return [Observation(day, market, value) for day, market, value in rows]


def quotes_by_external_id(external_ids: Sequence[str]) -> dict[str, Quote]:
    found: dict[str, Quote] = {}
    # Chunks keep each IN list under SQLite's variable limit.
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start : start + 500]
        for quote in Quote.objects.filter(external_id__in=chunk):
            found[quote.external_id] = quote
    return found


# --- Latest prices ------------------------------------------------------------------


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


def price_neighbours(latest: LatestPrice) -> tuple[LatestPrice | None, LatestPrice | None]:
    """The cheapest and the dearest other market for the same commodity, price type and
    currency, compared per base unit (None when no market is cheaper, or dearer). Two
    single-row queries, however many markets there are."""
    others = (
        _latest_queryset()
        .filter(
            commodity_id=latest.commodity_id,
            price_type=latest.price_type,
            currency=latest.currency,
        )
        .exclude(market_id=latest.market_id)
    )
    cheaper = (
        others.filter(price_per_base_unit__lt=latest.price_per_base_unit)
        .order_by("price_per_base_unit", "market__name")
        .first()
    )
    dearer = (
        others.filter(price_per_base_unit__gt=latest.price_per_base_unit)
        .order_by("-price_per_base_unit", "market__name")
        .first()
    )
    return cheaper, dearer


def latest_with_neighbours(
    *, commodity: Commodity, market: Market, price_type: str = PriceType.RETAIL
) -> tuple[LatestPrice | None, LatestPrice | None, LatestPrice | None, PriceWarning | None]:
    """(latest, cheapest other, dearest other, the warning of the latest's month) for an
    SMS answer. Kept in the shared cache until any price or warning changes, like the
    API's answers: the key holds the time of the last change, read first (an index
    lookup), so it is never stale."""
    changed = prices_last_modified()
    stamp = changed.timestamp() if changed else 0
    key = f"latest+neighbours+warning:{commodity.pk}:{market.pk}:{price_type}:{stamp}"
    found = cache.get(key)
    if found is None:
        latest = latest_price(commodity=commodity, market=market, price_type=price_type)
        if latest is None:
            found = (None, None, None, None)
        else:
            found = (latest, *price_neighbours(latest), warning_of(latest))
        cache.set(key, found, settings.API_CACHE_SECONDS)
    return found


# --- Price warnings -------------------------------------------------------------------

#: Worst first: the order warnings are listed in.
_SEVERITY = [anomalies.CRISIS, anomalies.ALERT, anomalies.STRESS, anomalies.NORMAL, ""]


def warning_of(latest: LatestPrice) -> PriceWarning | None:
    """The current warning of a latest price's series: its newest judged month while it
    is recent, as the warnings page shows it (``price_warnings``). The month under way
    is judged only once it has a few prices, so for its first days the newest judged
    month is the one before. One query."""
    return (
        PriceWarning.objects.filter(
            commodity_id=latest.commodity_id,
            market_id=latest.market_id,
            price_type=latest.price_type,
            month__gte=recent_month(),
            month__lte=latest.observed_on.replace(day=1),
        )
        .order_by("-month")
        .first()
    )


def recent_month(today: date | None = None) -> date:
    """The oldest month whose warning still speaks of today (WFP: a price within the
    last six months)."""
    month = anomalies.month_number(today or timezone.localdate())
    return anomalies.month_of(month - anomalies.RECENT_MONTHS + 1)


def price_warnings(
    *,
    commodity: Commodity | None = None,
    markets: Sequence[Market] | None = None,
    region: Region | None = None,
    bands: Sequence[str] = (),
    ipa_bands: Sequence[str] = (),
    month: date | None = None,
    price_type: str = PriceType.RETAIL,
    today: date | None = None,
) -> QuerySet[PriceWarning]:
    """Warnings of one month (``month``), or each series' newest month when it is
    recent (``recent_month``), worst ALPS band first, then by region, crop and market.
    One query."""
    rows = PriceWarning.objects.select_related(
        "commodity", "commodity__base_unit", "market", "market__region"
    ).filter(price_type=price_type)
    if month is not None:
        rows = rows.filter(month=month.replace(day=1))
    else:
        later = PriceWarning.objects.filter(
            commodity_id=OuterRef("commodity_id"),
            market_id=OuterRef("market_id"),
            price_type=OuterRef("price_type"),
            month__gt=OuterRef("month"),
        )
        rows = rows.filter(month__gte=recent_month(today)).exclude(Exists(later))
    if commodity is not None:
        rows = rows.filter(commodity=commodity)
    if markets:
        rows = rows.filter(market__in=markets)
    if region is not None:
        rows = rows.filter(market__region=region)
    if bands:
        rows = rows.filter(alps_band__in=bands)
    if ipa_bands:
        rows = rows.filter(ipa_band__in=ipa_bands)
    severity = Case(
        *[When(alps_band=band, then=Value(rank)) for rank, band in enumerate(_SEVERITY)],
        output_field=IntegerField(),
    )
    return rows.annotate(severity=severity).order_by(
        "severity", "market__region__name", "commodity__name", "market__name", "-month"
    )


def with_warnings(rows: QuerySet[LatestPrice]) -> QuerySet[LatestPrice]:
    """Latest prices annotated with their series' current warning (its newest recent
    month, see ``price_warnings``): ``warning_band`` (ALPS), ``warning_alps`` and
    ``warning_ipa``, None when there is none. Still one query."""
    current = PriceWarning.objects.filter(
        commodity_id=OuterRef("commodity_id"),
        market_id=OuterRef("market_id"),
        price_type=OuterRef("price_type"),
        month__gte=recent_month(),
    ).order_by("-month")
    return rows.annotate(
        warning_band=Subquery(current.values("alps_band")[:1]),
        warning_alps=Subquery(current.values("alps")[:1]),
        warning_ipa=Subquery(current.values("ipa")[:1]),
    )


@dataclass(frozen=True)
class ReviewContext:
    """What the price warnings make of a flagged price, so an operator can tell a real
    spike (the same move elsewhere, a plausible band) from a typo."""

    #: The ALPS band the price's month would have if it were approved ("" without
    #: enough history: ``short_of`` says why), and that ALPS.
    band_if_approved: str
    alps_if_approved: float | None
    short_of: str
    #: The price itself against the normal price of its month fitted without it (the
    #: months before, and its month's other prices): percent and band. A typo is far
    #: off while its month's median barely moves; a spike moves both.
    price_vs_normal_pct: int | None
    price_band: str
    #: How the same crop moved at other markets from the month before to the flagged
    #: price's month (median change of their monthly medians), and at how many.
    others_move_pct: Decimal | None
    others_count: int
    #: Approved prices per base unit of the same crop at the same market, from other
    #: agents or sources, within a week of the flagged one.
    nearby_prices: list[Decimal]
    #: False for a price in another currency than the service's: it is compared with
    #: nothing, and every other field is empty.
    compared: bool = True


#: How far from a flagged price another agent's price counts as the same observation.
NEARBY_DAYS = 7


def review_context(quotes: Sequence[Quote]) -> dict[int, ReviewContext]:
    """``ReviewContext`` per quote id for flagged quotes. Three queries, however many."""
    if not quotes:
        return {}
    commodity_ids = {q.commodity_id for q in quotes}
    market_ids = {q.market_id for q in quotes}
    months: dict[tuple[int, int, str], dict[date, Decimal]] = defaultdict(dict)
    for row in PriceSummary.objects.filter(
        commodity_id__in=commodity_ids, market_id__in=market_ids, period="month"
    ).values_list("commodity_id", "market_id", "price_type", "period_start", "median"):
        months[row[:3]][row[3]] = row[4]
    first = min(q.observed_on for q in quotes).replace(day=1) - timedelta(days=NEARBY_DAYS)
    last = max(q.observed_on for q in quotes) + timedelta(days=31 + NEARBY_DAYS)
    approved = list(
        Quote.objects.filter(
            commodity_id__in=commodity_ids,
            market_id__in=market_ids,
            status=Quote.Status.APPROVED,
            currency=settings.AGRIPRICES_CURRENCY,
            observed_on__gte=first,
            observed_on__lte=last,
        ).values_list(
            "commodity_id", "market_id", "price_type", "observed_on", "price_per_base_unit"
        )
    )
    # Every market's monthly median of the flagged crops, in the flagged months and the
    # months before them: how the crop moved elsewhere at the time.
    wanted = {q.observed_on.replace(day=1) for q in quotes}
    wanted |= {(m - timedelta(days=1)).replace(day=1) for m in wanted}
    elsewhere: dict[tuple[int, str, date], dict[int, Decimal]] = defaultdict(dict)
    for commodity_id, market_id, price_type, start, median in PriceSummary.objects.filter(
        commodity_id__in=commodity_ids, period="month", period_start__in=wanted
    ).values_list("commodity_id", "market_id", "price_type", "period_start", "median"):
        elsewhere[(commodity_id, price_type, start)][market_id] = median
    found = {}
    for quote in quotes:
        if quote.currency != settings.AGRIPRICES_CURRENCY:
            found[quote.pk] = ReviewContext(
                band_if_approved="",
                alps_if_approved=None,
                short_of="",
                price_vs_normal_pct=None,
                price_band="",
                others_move_pct=None,
                others_count=0,
                nearby_prices=[],
                compared=False,
            )
            continue
        key = (quote.commodity_id, quote.market_id, quote.price_type)
        month = quote.observed_on.replace(day=1)
        same_series = [row for row in approved if row[:3] == key]
        in_month = [v for *_, day, v in same_series if day.replace(day=1) == month]
        # The summaries hold approved prices only: the series without the held price.
        without = sorted((m, float(v)) for m, v in months.get(key, {}).items() if m <= month)
        normal = anomalies.normal_price(without, month)
        series = dict(months.get(key, {}))
        series[month] = Decimal(statistics.median([*in_month, quote.price_per_base_unit]))
        known = sorted((m, float(v)) for m, v in series.items() if m <= month)
        judged = anomalies.assess(known, since=month)[0]
        before = elsewhere[(key[0], key[2], (month - timedelta(days=1)).replace(day=1))]
        others = [
            (median - before[market_id]) / before[market_id] * 100
            for market_id, median in elsewhere[(key[0], key[2], month)].items()
            if market_id != key[1] and before.get(market_id)
        ]
        price_vs_normal, price_band = None, ""
        if normal is not None and normal[0] > 0:
            price, (normal_price, spread) = float(quote.price_per_base_unit), normal
            price_vs_normal = round((price - normal_price) / normal_price * 100)
            price_band = anomalies.alps_band((price - normal_price) / spread)
        found[quote.pk] = ReviewContext(
            band_if_approved=judged.alps_band,
            alps_if_approved=judged.alps,
            short_of=judged.short_of,
            price_vs_normal_pct=price_vs_normal,
            price_band=price_band,
            others_move_pct=(
                Decimal(statistics.median(others)).quantize(Decimal("0.1")) if others else None
            ),
            others_count=len(others),
            nearby_prices=[
                v
                for *_, day, v in same_series
                if abs((day - quote.observed_on).days) <= NEARBY_DAYS
            ],
        )
    return found


def warning_table(
    *,
    commodity: Commodity | None = None,
    market: Market | None = None,
    price_type: str = PriceType.RETAIL,
) -> QuerySet[PriceWarning]:
    """Every month of the warnings of a commodity's or a market's series, by series then
    month. One query."""
    rows = PriceWarning.objects.select_related("commodity", "market").filter(price_type=price_type)
    if commodity is not None:
        rows = rows.filter(commodity=commodity)
    if market is not None:
        rows = rows.filter(market=market)
    return rows.order_by("commodity__name", "market__name", "month")


def warning_history(
    *, commodity: Commodity, market: Market, start: date, price_type: str = PriceType.RETAIL
) -> list[PriceWarning]:
    """One series' warnings from ``start`` on, oldest first: the normal price and its
    bands on a chart. One query."""
    return list(
        PriceWarning.objects.filter(
            commodity=commodity, market=market, price_type=price_type, month__gte=start
        ).order_by("month")
    )


# --- Series ---------------------------------------------------------------------------


def price_series(
    *,
    commodity: Commodity,
    markets: Iterable[Market] | None = None,
    period: str = "week",
    start: date | None = None,
    end: date | None = None,
    price_type: str = PriceType.RETAIL,
) -> dict[int, list[Summary]]:
    """Weekly (Monday-based) or monthly median, lowest and highest approved price per
    base unit, per market id, oldest first; the periods that begin from ``start`` to
    ``end`` (default: the 52 weeks up to today). One query for any number of markets."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    end = end or timezone.localdate()
    start = start or end - timedelta(weeks=52)
    rows = PriceSummary.objects.filter(
        commodity=commodity,
        price_type=price_type,
        period=period,
        period_start__gte=period_start(start, period),
        period_start__lte=end,
    )
    if markets is not None:
        rows = rows.filter(market__in=list(markets))
    series: dict[int, list[Summary]] = defaultdict(list)
    fields = ("market_id", "period_start", "median", "low", "high", "count")
    # Tuples, not model instances: a year of weeks at every market is thousands of rows.
    for market_id, *summary in rows.order_by("market_id", "period_start").values_list(*fields):
        series[market_id].append(Summary(*summary))
    return dict(series)


# --- Export -----------------------------------------------------------------------------


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def quotes_for_export(
    *,
    status: str | None = Quote.Status.APPROVED,
    commodity_slug: str | None = None,
    market_slug: str | None = None,
) -> Iterable[list[str]]:
    """Rows in the column order of ``importers.readers.CSV_COLUMNS``, streamed in chunks
    so a file of millions of prices needs little memory."""
    rows = Quote.objects.select_related("commodity", "market", "market__region", "unit")
    if status:
        rows = rows.filter(status=status)
    if commodity_slug:
        rows = rows.filter(commodity__slug=commodity_slug)
    if market_slug:
        rows = rows.filter(market__slug=market_slug)
    for q in rows.order_by("observed_on", "id").iterator(chunk_size=2000):
        yield [
            q.external_id,
            q.observed_on.isoformat(),
            q.market.region.name,
            q.market.district,
            q.market.name,
            _plain(q.market.latitude),
            _plain(q.market.longitude),
            q.commodity.category,
            q.commodity.name,
            q.unit.code,
            q.price_type,
            q.currency,
            _plain(q.price),
            _plain(q.usd_price),
            q.price_flag,
        ]
