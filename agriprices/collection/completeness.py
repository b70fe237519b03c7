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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Max, Q, QuerySet

from agriprices.collection import schedule as sched
from agriprices.collection.plans import Expected, MarketPlan, market_plans
from agriprices.collection.received import (
    Pair,
    Rounds,
    received_counts,
    received_pairs,
    visited_rounds,
)
from agriprices.collection.schedule import Period, Schedule
from agriprices.models import Commodity, Market, Quote, Region

#: Closed rounds looked back at for the streaks; a longer streak reads "8+".
STREAK_ROUNDS = 8


@dataclass
class Tally:
    expected: int = 0
    received: int = 0
    late: int = 0
    not_due: int = 0

    def count(self, expected: int, received: int, missing: str) -> None:
        """``expected`` prices of one collection day, ``received`` of them came, the
        rest are in the state ``missing`` (late, or not yet due)."""
        self.expected += expected
        self.received += received
        if missing == sched.LATE:
            self.late += expected - received
        else:
            self.not_due += expected - received

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
    ``commodities``, ``agents``, ``regions``) so pages and the API query nothing more.
    ``expected`` is each market's planned prices (only the agent's, when one was asked
    about), ``rounds`` its collection days in the period and ``received`` the pairs
    that came per (market, day); ``items`` and ``late`` are read from them."""

    period: Period
    today: date
    plans: dict[int, MarketPlan]
    expected: dict[int, tuple[Expected, ...]] = field(default_factory=dict)
    rounds: dict[int, list[date]] = field(default_factory=dict)
    received: dict[tuple[int, date], set[Pair]] = field(default_factory=dict)
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

    @cached_property
    def items(self) -> list[Item]:
        """Each expected price of each collection day with its state, by market, day
        and the plan's order."""
        return list(self._items(late_only=False))

    @property
    def late(self) -> list[Item]:
        return list(self._items(late_only=True))

    def _items(self, *, late_only: bool) -> Iterator[Item]:
        for market_id, days in self.rounds.items():
            tolerance = self.plans[market_id].schedule.tolerance
            expected = self.expected[market_id]
            for day in days:
                missing = _missing_state(day, tolerance, self.today)
                if late_only and missing != sched.LATE:
                    continue
                got = self.received.get((market_id, day), set())
                for item in expected:
                    received = (item.commodity_id, item.price_type) in got
                    if late_only and received:
                        continue
                    yield Item(
                        market_id,
                        item.commodity_id,
                        item.price_type,
                        day,
                        sched.RECEIVED if received else missing,
                        item.agent_ids,
                    )

    def escalated(self) -> list[int]:
        """Markets missed ``COLLECTION_ESCALATE_AFTER`` rounds in a row or more."""
        limit = settings.COLLECTION_ESCALATE_AFTER
        return [pk for pk, n in self.market_streaks.items() if n >= limit]


def _missing_state(day: date, tolerance: int, today: date) -> str:
    """The state of an expected price of ``day`` that did not come."""
    return sched.state_of(day=day, tolerance=tolerance, today=today, received=False)


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
    expected = _expected(plans, agent)
    rounds = _per_schedule(plans, expected, lambda s: s.days(period.start, period.end))
    result = Completeness(period=period, today=today, plans=plans, expected=expected, rounds=rounds)
    result.received = received_pairs(
        {pk: Rounds(plans[pk].schedule, tuple(days)) for pk, days in rounds.items()},
        _pairs(expected),
    )
    for plan in plans.values():
        result.regions.setdefault(plan.market.region_id, plan.market.region)
    agent_ids = {a for plan in plans.values() for item in plan.items for a in item.agent_ids}
    if agent is not None:
        agent_ids &= {agent.pk}
    for agent_id in sorted(agent_ids):
        result.by_agent[agent_id] = Tally()
    for market_id, days in rounds.items():
        tally = result.by_market[market_id] = Tally()
        count = len(expected[market_id])
        if not count or not days:
            continue
        region_tally = result.by_region.setdefault(plans[market_id].market.region_id, Tally())
        # Each agent's share of the market's planned prices, for their tally.
        shares: dict[int, set[Pair]] = defaultdict(set)
        for item in expected[market_id]:
            for agent_id in item.agent_ids:
                if agent_id in agent_ids:
                    shares[agent_id].add((item.commodity_id, item.price_type))
        for day in days:
            got = result.received.get((market_id, day), set())
            missing = _missing_state(day, plans[market_id].schedule.tolerance, today)
            for counted in (result.overall, tally, region_tally):
                counted.count(count, len(got), missing)
            for agent_id, share in shares.items():
                result.by_agent[agent_id].count(len(share), len(share & got), missing)
    if streaks:
        # An agent's streak is over every market they answer for, whatever the filter:
        # a page narrowed to one region must not show them missing rounds they made
        # elsewhere. Their markets outside the filter are read only for it.
        narrowed = region is not None or bool(markets) or agent is not None
        every = {**plans, **_plans_elsewhere(agent_ids, plans, today)} if narrowed else plans
        market_streaks, result.agent_streaks = _streaks(every, today, agent_ids)
        result.market_streaks = {pk: n for pk, n in market_streaks.items() if pk in plans}
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


def _plans_elsewhere(
    agent_ids: Iterable[int], plans: dict[int, MarketPlan], today: date
) -> dict[int, MarketPlan]:
    """The plans of the markets ``agent_ids`` answer for that are not in ``plans``: one
    query, and those of ``market_plans`` when there are any."""
    wanted = list(agent_ids)
    if not wanted:
        return {}
    others = list(
        Market.objects.filter(
            Q(agents__user_id__in=wanted, agents__user__is_active=True)
            | Q(collection_plan__items__agent_id__in=wanted)
        )
        .exclude(pk__in=list(plans))
        .select_related("region")
        .distinct()
    )
    return market_plans(others, today=today) if others else {}


def _expected(plans: dict[int, MarketPlan], agent: User | None) -> dict[int, tuple[Expected, ...]]:
    """The planned prices of each market with a plan that expects any, those ``agent``
    answers for when one is asked about."""
    return {
        pk: tuple(item for item in plan.items if agent is None or agent.pk in item.agent_ids)
        for pk, plan in plans.items()
        if plan.items
    }


def _per_schedule(
    plans: dict[int, MarketPlan], market_ids: Iterable[int], days: Callable[[Schedule], list[date]]
) -> dict[int, list[date]]:
    """``days`` of each market's schedule, worked out once per schedule (markets mostly
    share theirs); the lists are shared, not to be changed."""
    found: dict[Schedule, list[date]] = {}
    rounds = {}
    for pk in market_ids:
        schedule = plans[pk].schedule
        if schedule not in found:
            found[schedule] = days(schedule)
        rounds[pk] = found[schedule]
    return rounds


def _pairs(expected: dict[int, tuple[Expected, ...]]) -> dict[int, list[Pair]]:
    return {
        pk: [(item.commodity_id, item.price_type) for item in items]
        for pk, items in expected.items()
    }


def _streaks(
    plans: dict[int, MarketPlan], today: date, agent_ids: Iterable[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """Rounds missed in a row, newest first, per market and per agent (an agent misses
    a round of a market they answer for when it got none of its prices). One query."""
    rounds = _per_schedule(
        plans,
        [pk for pk, plan in plans.items() if plan.items],
        lambda s: s.last_rounds(today, STREAK_ROUNDS),
    )
    visited = visited_rounds(
        {pk: Rounds(plans[pk].schedule, tuple(days)) for pk, days in rounds.items()}
    )
    missed: dict[int, list[tuple[date, bool]]] = {
        market_id: [(day, (market_id, day) not in visited) for day in collection_days]
        for market_id, collection_days in rounds.items()
    }
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
    per week: the weeks × markets table. Counted per market and round in the database
    (``received_counts``), not per price."""
    this_week = sched.week_of(today)
    periods = [
        sched.week_of(this_week.start - timedelta(weeks=n)) for n in range(weeks - 1, -1, -1)
    ]
    chosen = list(markets_for(region=region, markets=markets, agent=agent))
    plans = market_plans(chosen, today=today)
    expected = _expected(plans, agent)
    rounds = _per_schedule(plans, expected, lambda s: s.days(periods[0].start, periods[-1].end))
    counts = received_counts(
        {pk: Rounds(plans[pk].schedule, tuple(days)) for pk, days in rounds.items()},
        _pairs(expected),
    )
    index = {period.start: n for n, period in enumerate(periods)}
    table: dict[int, list[Tally]] = {}
    for market_id, days in rounds.items():
        row = table[market_id] = [Tally() for _ in periods]
        tolerance = plans[market_id].schedule.tolerance
        for day in days:
            monday = day - timedelta(days=day.weekday())
            row[index[monday]].count(
                len(expected[market_id]),
                counts.get((market_id, day), 0),
                _missing_state(day, tolerance, today),
            )
    return periods, table, {pk: plan.market for pk, plan in plans.items()}
