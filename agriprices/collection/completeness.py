"""Completeness of collection: for a day, a week or a month, each expected (market,
crop, price type) of each collection day is received, late or not yet due; counted per
market, agent, region and overall, with the streak of missed rounds per market and
agent. Reads only; a fixed number of queries whatever the number of markets.

A price counts when it is recorded for a day within the plan's tolerance of the
collection day, held for review or approved (a price held for review was collected);
a rejected one does not. A round is *missed* when none of its expected prices came
(the market went unvisited), which is what the streaks count: a round with some prices
missing is incomplete, and shows as late items, but someone was there."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Max, Q, QuerySet

from agriprices.collection import schedule as sched
from agriprices.collection.plans import MarketPlan, market_plans
from agriprices.collection.schedule import Period
from agriprices.models import Commodity, Market, Quote, Region

#: Closed rounds looked back at for the streaks; a longer streak reads "8+".
STREAK_ROUNDS = 8


@dataclass
class Tally:
    expected: int = 0
    received: int = 0
    late: int = 0
    not_due: int = 0

    def add(self, state: str) -> None:
        self.expected += 1
        if state == sched.RECEIVED:
            self.received += 1
        elif state == sched.LATE:
            self.late += 1
        else:
            self.not_due += 1

    @property
    def percent(self) -> int | None:
        """Received of expected, in whole percent; None when nothing was expected."""
        if not self.expected:
            return None
        return round(100 * self.received / self.expected)


@dataclass(frozen=True)
class Item:
    market_id: int
    commodity_id: int
    price_type: str
    day: date
    state: str
    agent_ids: tuple[int, ...]


@dataclass
class Completeness:
    """What a completeness question answers; names are loaded (``markets``,
    ``commodities``, ``agents``, ``regions``) so pages and the API query nothing more."""

    period: Period
    today: date
    items: list[Item]
    plans: dict[int, MarketPlan]
    overall: Tally = field(default_factory=Tally)
    by_market: dict[int, Tally] = field(default_factory=dict)
    by_agent: dict[int, Tally] = field(default_factory=dict)
    by_region: dict[int, Tally] = field(default_factory=dict)
    market_streaks: dict[int, int] = field(default_factory=dict)
    agent_streaks: dict[int, int] = field(default_factory=dict)
    last_reports: dict[int, datetime] = field(default_factory=dict)
    commodities: dict[int, Commodity] = field(default_factory=dict)
    agents: dict[int, User] = field(default_factory=dict)
    regions: dict[int, Region] = field(default_factory=dict)

    @property
    def markets(self) -> dict[int, Market]:
        return {pk: plan.market for pk, plan in self.plans.items()}

    @property
    def late(self) -> list[Item]:
        return [item for item in self.items if item.state == sched.LATE]

    def escalated(self) -> list[int]:
        """Markets missed ``COLLECTION_ESCALATE_AFTER`` rounds in a row or more."""
        limit = settings.COLLECTION_ESCALATE_AFTER
        return [pk for pk, n in self.market_streaks.items() if n >= limit]


def markets_for(
    *,
    region: Region | None = None,
    markets: Sequence[Market] | None = None,
    agent: User | None = None,
) -> QuerySet[Market]:
    rows = Market.objects.select_related("region").order_by("region__name", "name")
    if region is not None:
        rows = rows.filter(region=region)
    if markets:
        rows = rows.filter(pk__in=[m.pk for m in markets])
    if agent is not None:
        # Their markets, and any market whose plan names them for a price.
        rows = rows.filter(
            Q(agents__user=agent) | Q(collection_plan__items__agent=agent)
        ).distinct()
    return rows


def completeness(
    period: Period,
    *,
    today: date,
    region: Region | None = None,
    markets: Sequence[Market] | None = None,
    agent: User | None = None,
    streaks: bool = True,
) -> Completeness:
    """Completeness of the collection days in ``period`` as known on ``today``, for the
    markets chosen (all by default); with ``agent``, only what that agent answers for."""
    chosen = list(markets_for(region=region, markets=markets, agent=agent))
    plans = market_plans(chosen, today=today)
    items = _items(plans, period.start, period.end, today, agent)
    result = Completeness(period=period, today=today, items=items, plans=plans)
    for item in items:
        result.overall.add(item.state)
        result.by_market.setdefault(item.market_id, Tally()).add(item.state)
        region_id = plans[item.market_id].market.region_id
        result.by_region.setdefault(region_id, Tally()).add(item.state)
        for agent_id in item.agent_ids:
            if agent is None or agent_id == agent.pk:
                result.by_agent.setdefault(agent_id, Tally()).add(item.state)
    for plan in plans.values():
        result.regions.setdefault(plan.market.region_id, plan.market.region)
        if plan.items:
            result.by_market.setdefault(plan.market.pk, Tally())
    agent_ids = {a for plan in plans.values() for item in plan.items for a in item.agent_ids}
    if agent is not None:
        agent_ids &= {agent.pk}
    for agent_id in agent_ids:
        result.by_agent.setdefault(agent_id, Tally())
    if streaks:
        result.market_streaks, result.agent_streaks = _streaks(plans, today, agent_ids)
    result.last_reports = dict(
        Quote.objects.filter(agent_id__in=agent_ids)
        .values("agent_id")
        .annotate(at=Max("created_at"))
        .order_by()
        .values_list("agent_id", "at")
    )
    result.agents = User.objects.in_bulk(agent_ids)
    result.commodities = Commodity.objects.in_bulk(
        {item.commodity_id for plan in plans.values() for item in plan.items}
    )
    return result


def _items(
    plans: dict[int, MarketPlan], start: date, end: date, today: date, agent: User | None
) -> list[Item]:
    rounds = {pk: plan.schedule.days(start, end) for pk, plan in plans.items() if plan.items}
    seen = _observed(plans, rounds)
    items = []
    for market_id, days in rounds.items():
        plan = plans[market_id]
        tolerance = plan.schedule.tolerance
        for day in days:
            for expected in plan.items:
                if agent is not None and agent.pk not in expected.agent_ids:
                    continue
                got = day in seen.get((market_id, expected.commodity_id, expected.price_type), ())
                state = sched.state_of(day=day, tolerance=tolerance, today=today, received=got)
                items.append(
                    Item(
                        market_id,
                        expected.commodity_id,
                        expected.price_type,
                        day,
                        state,
                        expected.agent_ids,
                    )
                )
    return items


def _observed(
    plans: dict[int, MarketPlan], rounds: dict[int, list[date]]
) -> dict[tuple[int, int, str], set[date]]:
    """The collection days each series at the markets has a price (held or approved)
    for, within the windows of the rounds asked for. One query."""
    days: set[date] = set()
    for market_id, collection_days in rounds.items():
        for day in collection_days:
            low, high = plans[market_id].schedule.window(day)
            days.update(low + timedelta(days=i) for i in range((high - low).days + 1))
    if not days:
        return {}
    rows = (
        Quote.objects.filter(market_id__in=list(rounds), observed_on__in=sorted(days))
        .exclude(status=Quote.Status.REJECTED)
        .values_list("market_id", "commodity_id", "price_type", "observed_on")
        .distinct()
        .order_by()
    )
    seen: dict[tuple[int, int, str], set[date]] = defaultdict(set)
    rounds_of: dict[tuple[int, date], date | None] = {}
    for market_id, commodity_id, price_type, observed_on in rows:
        key = (market_id, observed_on)
        if key not in rounds_of:
            rounds_of[key] = plans[market_id].schedule.round_of(observed_on)
        found = rounds_of[key]
        if found is not None:
            seen[(market_id, commodity_id, price_type)].add(found)
    return seen


def _streaks(
    plans: dict[int, MarketPlan], today: date, agent_ids: Iterable[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """Rounds missed in a row, newest first, per market and per agent (an agent misses
    a round of a market they answer for when it got none of its prices). One query."""
    rounds = {
        pk: plan.schedule.last_rounds(today, STREAK_ROUNDS)
        for pk, plan in plans.items()
        if plan.items
    }
    days: set[date] = set()
    for market_id, collection_days in rounds.items():
        for day in collection_days:
            low, high = plans[market_id].schedule.window(day)
            days.update(low + timedelta(days=i) for i in range((high - low).days + 1))
    visited: dict[int, set[date]] = defaultdict(set)
    if days:
        for market_id, observed_on in (
            Quote.objects.filter(market_id__in=list(rounds), observed_on__in=sorted(days))
            .exclude(status=Quote.Status.REJECTED)
            .values_list("market_id", "observed_on")
            .distinct()
            .order_by()
        ):
            visited[market_id].add(observed_on)
    missed: dict[int, list[tuple[date, bool]]] = {}
    for market_id, collection_days in rounds.items():
        schedule = plans[market_id].schedule
        done = {schedule.round_of(seen) for seen in visited[market_id]}
        missed[market_id] = [(day, day not in done) for day in collection_days]
    market_streaks = {pk: sched.streak([m for _, m in rows]) for pk, rows in missed.items()}
    # An agent's round is a collection day of their markets; they missed it when every
    # market of theirs collecting that day got nothing.
    wanted = set(agent_ids)
    per_agent: dict[int, dict[date, bool]] = defaultdict(dict)
    for market_id, rows in missed.items():
        answerable = {a for item in plans[market_id].items for a in item.agent_ids}
        for agent_id in answerable & wanted:
            by_day = per_agent[agent_id]
            for day, was_missed in rows:
                by_day[day] = by_day.get(day, True) and was_missed
    agent_streaks = {
        agent_id: sched.streak([by_day[day] for day in sorted(by_day, reverse=True)])
        for agent_id, by_day in per_agent.items()
    }
    return market_streaks, agent_streaks


def weekly_history(
    *,
    today: date,
    weeks: int,
    region: Region | None = None,
    markets: Sequence[Market] | None = None,
    agent: User | None = None,
) -> tuple[list[Period], dict[int, list[Tally]], dict[int, Market]]:
    """The last ``weeks`` ISO weeks up to today's, oldest first, and each market's tally
    per week: the weeks × markets table."""
    this_week = sched.week_of(today)
    periods = [
        sched.week_of(this_week.start - timedelta(weeks=n)) for n in range(weeks - 1, -1, -1)
    ]
    span = Period(periods[0].start, periods[-1].end, f"{periods[0].label}/{periods[-1].label}")
    found = completeness(
        span, today=today, region=region, markets=markets, agent=agent, streaks=False
    )
    index = {period.start: n for n, period in enumerate(periods)}
    table: dict[int, list[Tally]] = {
        pk: [Tally() for _ in periods] for pk, plan in found.plans.items() if plan.items
    }
    for item in found.items:
        monday = item.day - timedelta(days=item.day.weekday())
        table[item.market_id][index[monday]].add(item.state)
    return periods, table, found.markets
