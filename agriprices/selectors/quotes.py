"""Quotes themselves: listed with filters, the approved prices the outlier rule weighs
a new one against, found by external id, and streamed for export."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from agriprices.models import Commodity, Market, Quote, Region
from agriprices.validation import (
    ALL_MARKETS_WINDOW,
    MARKET_MAX_SAMPLES,
    MARKET_WINDOW,
    MIN_SAMPLES,
    SPARSE_MARKET_WINDOW,
    Observation,
)


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
