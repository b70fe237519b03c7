"""Each market's plan as the rules read it: its own (``CollectionPlan``), or the
default — what it reported in the last ``DEFAULT_LOOKBACK_DAYS`` days, weekly, on the
weekday its latest prices fell on most."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Max

from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.collection.schedule import Schedule
from agriprices.models import AgentProfile, LatestPrice, Market

DEFAULT_LOOKBACK_DAYS = 90


@dataclass(frozen=True)
class Expected:
    """A crop and price type expected at a market, and the agents who answer for it."""

    commodity_id: int
    price_type: str
    agent_ids: tuple[int, ...]


@dataclass(frozen=True)
class MarketPlan:
    market: Market
    schedule: Schedule
    items: tuple[Expected, ...]
    default: bool  # no plan of its own: the default one
    updated_at: datetime | None = None


def schedule_of(plan: CollectionPlan) -> Schedule:
    if plan.kind == CollectionPlan.Kind.EVERY:
        return Schedule(
            every_days=plan.every_days, starts_on=plan.starts_on, tolerance=plan.tolerance_days
        )
    return Schedule(weekdays=plan.weekday_numbers, tolerance=plan.tolerance_days)


def agents_by_market(market_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """The user ids of each market's agents (active users), one query."""
    through = AgentProfile.markets.through
    rows = (
        through.objects.filter(market_id__in=list(market_ids), agentprofile__user__is_active=True)
        .order_by("agentprofile__user_id")
        .values_list("market_id", "agentprofile__user_id")
    )
    found: dict[int, list[int]] = defaultdict(list)
    for market_id, user_id in rows:
        found[market_id].append(user_id)
    return {market_id: tuple(ids) for market_id, ids in found.items()}


def market_plans(markets: Iterable[Market], *, today: date) -> dict[int, MarketPlan]:
    """The plan of each market, its own or the default. Four queries whatever the
    number of markets."""
    by_id = {market.pk: market for market in markets}
    agents = agents_by_market(by_id)
    plans: dict[int, MarketPlan] = {}
    own = CollectionPlan.objects.filter(market_id__in=list(by_id))
    # Rows, not model instances: a plan of every market can be thousands of items.
    items: dict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    for plan_id, commodity_id, price_type, agent_id in (
        PlannedItem.objects.filter(plan__market_id__in=list(by_id))
        .order_by("commodity__name", "price_type")
        .values_list("plan_id", "commodity_id", "price_type", "agent_id")
    ):
        items[plan_id].append((commodity_id, price_type, agent_id))
    for plan in own:
        market_agents = agents.get(plan.market_id, ())
        plans[plan.market_id] = MarketPlan(
            market=by_id[plan.market_id],
            schedule=schedule_of(plan),
            items=tuple(
                Expected(commodity_id, price_type, (agent_id,) if agent_id else market_agents)
                for commodity_id, price_type, agent_id in items[plan.pk]
            ),
            default=False,
            updated_at=plan.updated_at,
        )
    rest = [pk for pk in by_id if pk not in plans]
    if rest:
        plans.update(_default_plans([by_id[pk] for pk in rest], agents, today))
    return plans


def _default_plans(
    markets: list[Market], agents: dict[int, tuple[int, ...]], today: date
) -> dict[int, MarketPlan]:
    since = today - timedelta(days=DEFAULT_LOOKBACK_DAYS)
    rows = (
        LatestPrice.objects.filter(market__in=markets, observed_on__gte=since)
        .order_by("market_id", "commodity__name", "price_type")
        .values_list("market_id", "commodity_id", "price_type", "observed_on")
    )
    seen: dict[int, list[tuple[int, str]]] = defaultdict(list)
    weekdays: dict[int, Counter[int]] = defaultdict(Counter)
    for market_id, commodity_id, price_type, observed_on in rows:
        seen[market_id].append((commodity_id, price_type))
        weekdays[market_id][observed_on.weekday()] += 1
    plans = {}
    for market in markets:
        counted = weekdays.get(market.pk)
        # The day the market's prices fell on most lately; ties go to the earlier day.
        weekday = (
            min(counted, key=lambda day: (-counted[day], day))
            if counted
            else settings.COLLECTION_DEFAULT_WEEKDAY
        )
        market_agents = agents.get(market.pk, ())
        plans[market.pk] = MarketPlan(
            market=market,
            schedule=Schedule(weekdays=(weekday,), tolerance=settings.COLLECTION_TOLERANCE_DAYS),
            items=tuple(Expected(c, p, market_agents) for c, p in seen.get(market.pk, [])),
            default=True,
        )
    return plans


def plans_changed_at() -> datetime | None:
    """When any plan last changed (for the ODK form's version)."""
    return CollectionPlan.objects.aggregate(at=Max("updated_at"))["at"]
