"""The review queue: held prices with what they are set against."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet

from agriprices.models import Quote
from agriprices.warnings.review import ReviewContext, review_context
from openrosa.models import Photo

#: How many of a series' last prices the queue shows beside a held one.
RECENT_SHOWN = 5


@dataclass(frozen=True)
class FlaggedQuote:
    quote: Quote
    #: The last approved prices per base unit of the same series, newest first.
    recent: list[tuple[date, Decimal]]
    #: What the price warnings make of it (band if approved, the move elsewhere).
    context: ReviewContext
    #: The photo sent with it from ODK Collect, if any.
    photo: Photo | None = None


def flagged() -> QuerySet[Quote]:
    """Quotes waiting for an operator, newest observation first (they change what
    farmers hear today): the review queue, to be paged. Lazy."""
    return (
        Quote.objects.filter(status=Quote.Status.FLAGGED)
        .select_related("commodity", "commodity__base_unit", "market", "unit", "agent")
        .order_by("-observed_on", "-id")
    )


def flagged_quotes(quotes: list[Quote] | None = None) -> list[FlaggedQuote]:
    """``quotes`` (one page of ``flagged()``; the first 50 when not given) with the prices
    they are judged against and what the warnings make of them. Four queries."""
    return _with_context(list(flagged()[:50]) if quotes is None else quotes)


def _with_context(flagged: list[Quote]) -> list[FlaggedQuote]:
    if not flagged:
        return []
    series = {(q.commodity_id, q.market_id, q.price_type) for q in flagged}
    earliest = min(q.observed_on for q in flagged) - timedelta(weeks=8)
    approved: dict[tuple[int, int, str, str], list[tuple[date, Decimal]]] = defaultdict(list)
    rows = (
        Quote.objects.filter(
            status=Quote.Status.APPROVED,
            commodity_id__in={c for c, _, _ in series},
            market_id__in={m for _, m, _ in series},
            observed_on__gte=earliest,
        )
        .order_by("-observed_on", "-id")
        .values_list(
            "commodity_id",
            "market_id",
            "price_type",
            "currency",
            "observed_on",
            "price_per_base_unit",
        )
    )
    # Beside a price, those of its own currency: a USD price next to som prices would
    # read as a slipped decimal.
    for commodity_id, market_id, price_type, currency, observed_on, value in rows:
        approved[(commodity_id, market_id, price_type, currency)].append((observed_on, value))

    def recent(quote: Quote) -> list[tuple[date, Decimal]]:
        key = (quote.commodity_id, quote.market_id, quote.price_type, quote.currency)
        before = (row for row in approved.get(key, []) if row[0] <= quote.observed_on)
        return list(itertools.islice(before, RECENT_SHOWN))

    contexts = review_context(flagged)
    photos = _photos_of(flagged)
    return [
        FlaggedQuote(
            quote=quote,
            recent=recent(quote),
            context=contexts[quote.pk],
            photo=photos.get(_instance_of(quote)),
        )
        for quote in flagged
    ]


def _instance_of(quote: Quote) -> str:
    """The ODK Collect form a price came in (its external id is odk:<instance>:<n>)."""
    if not quote.external_id.startswith("odk:"):
        return ""
    return quote.external_id[4:].rpartition(":")[0]


def _photos_of(quotes: list[Quote]) -> dict[str, Photo]:
    instances = {_instance_of(q) for q in quotes} - {""}
    if not instances:
        return {}
    return {p.instance_id: p for p in Photo.objects.filter(instance_id__in=instances)}


#: Approved prices shown beside a flagged one.
