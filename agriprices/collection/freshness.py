"""How old a price may be before a farmer is told so: older than its market's collection
cycle plus a grace (``COLLECTION_STALE_GRACE_CYCLES`` cycles; by default twice the
cycle, so three weeks for a weekly market), and then the nearest market with a fresh
price of the same crop."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from agriprices.collection.models import CollectionPlan
from agriprices.collection.plans import DEFAULT_CYCLE_DAYS, schedule_of
from agriprices.models import LatestPrice, Market


@dataclass(frozen=True)
class Staleness:
    """A latest price older than its market's cycle allows: how old, in days, and the
    nearest market whose price of the same crop is fresh (None when there is none)."""

    age_days: int
    fresh: LatestPrice | None


def cycle_of(plan: CollectionPlan | None) -> int:
    return schedule_of(plan).cycle_days if plan is not None else DEFAULT_CYCLE_DAYS


def plans_in_force(market_ids: Iterable[int], today: date) -> dict[int, CollectionPlan]:
    """The version of each market's plan in force ``today``; a market without one is
    left out (the default plan's cycle is a week). One query."""
    found: dict[int, CollectionPlan] = {}
    for plan in CollectionPlan.objects.filter(
        market_id__in=list(market_ids), effective_from__lte=today
    ).order_by("market_id", "effective_from"):
        found[plan.market_id] = plan  # the newest taking effect by today stays
    return found


def is_stale(*, observed_on: date, cycle_days: int, today: date) -> bool:
    allowed = cycle_days * (1 + settings.COLLECTION_STALE_GRACE_CYCLES)
    return (today - observed_on).days > allowed


def fresh_under_any_plan(observed_on: date, today: date) -> bool:
    """Whether a price is young enough to be fresh whatever its market's plan (the
    shortest cycle is a day): then nothing needs reading to know it."""
    return (today - observed_on).days <= 1 + settings.COLLECTION_STALE_GRACE_CYCLES


def old_ones(rows: Iterable[LatestPrice], *, today: date) -> frozenset[int]:
    """The ids of the ``rows`` older than their market's cycle allows, for a list to
    give them their day. One query, none when every price is of the last days."""
    rows = list(rows)
    if all(fresh_under_any_plan(row.observed_on, today) for row in rows):
        return frozenset()
    plans = plans_in_force({row.market_id for row in rows}, today)
    return frozenset(
        row.pk
        for row in rows
        if is_stale(
            observed_on=row.observed_on, cycle_days=cycle_of(plans.get(row.market_id)), today=today
        )
    )


def staleness(latest: LatestPrice, *, today: date) -> Staleness | None:
    """None when ``latest`` is fresh enough. At most two queries (none for a price of the
    last days): every market's latest price of the crop, and their plans in force."""
    age = (today - latest.observed_on).days
    if fresh_under_any_plan(latest.observed_on, today):  # no query on the hot path
        return None
    rows = list(
        LatestPrice.objects.filter(
            commodity_id=latest.commodity_id, price_type=latest.price_type
        ).select_related("market", "unit")
    )
    plans = plans_in_force({row.market_id for row in rows} | {latest.market_id}, today)
    own = plans.get(latest.market_id)
    if not is_stale(observed_on=latest.observed_on, cycle_days=cycle_of(own), today=today):
        return None
    fresh = [
        row
        for row in rows
        if row.market_id != latest.market_id
        and row.currency == latest.currency
        and not is_stale(
            observed_on=row.observed_on, cycle_days=cycle_of(plans.get(row.market_id)), today=today
        )
    ]
    here = latest.market
    fresh.sort(key=lambda row: (_distance_km(here, row.market), row.market.name))
    return Staleness(age_days=age, fresh=fresh[0] if fresh else None)


def _distance_km(a: Market, b: Market) -> float:
    """Great-circle distance; a market without coordinates is farthest."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return math.inf
    lat1, lon1, lat2, lon2 = (
        math.radians(float(v)) for v in (a.latitude, a.longitude, b.latitude, b.longitude)
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371 * 2 * math.asin(math.sqrt(h))
