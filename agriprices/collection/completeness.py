"""Completeness of collection: for a day, a week or a month, each expected (market,
crop, price type) of each collection day is received, late or not yet due; counted per
market, agent, region and overall, with the streak of missed rounds per market and
agent. Reads only; a fixed number of queries whatever the number of markets.

A price counts when it is recorded for a day within the plan's tolerance of the
collection day and no other collection day within reach is nearer (across a plan
change too: ``PlanHistory.round_of``), held for review or approved (a price held for
review was collected); a rejected one does not. A round closes (its missing prices are
late) the day after the last whose prices count for it. A round is *missed* when none
of its expected prices came (the market went unvisited), which is what the streaks
count: a round with some prices missing is incomplete, and shows as late items, but
someone was there."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import OuterRef, Q, QuerySet, Subquery

from agriprices.collection import schedule as sched
from agriprices.collection.plans import (
    Expected,
    MarketPlan,
    PlanHistory,
    agents_by_market,
    plan_histories,
)
from agriprices.collection.received import (
    Key,
    Pair,
    Rounds,
    received_counts,
    received_pairs,
)
from agriprices.collection.schedule import Period, Schedule
from agriprices.collection.streaks import STREAK_ROUNDS, missed_streaks
from agriprices.models import Commodity, Market, Quote, Region


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


@dataclass(frozen=True)
class Stretch:
    """A market's collection days judged by one version of its plan, and the prices
    that version expects (only those of the agent asked about, if one was)."""

    plan: MarketPlan
    days: list[date]
    expected: tuple[Expected, ...]
    #: Its days near a plan change, with the days whose prices count for each
    #: (``PlanHistory.counted_near_changes``).
    counted: tuple[tuple[date, tuple[date, ...]], ...] = ()


@dataclass
class Completeness:
    """What a completeness question answers; names are loaded (``markets``,
    ``commodities``, ``agents`` (their usernames), ``regions``) so pages and the API
    query nothing more. ``plans`` is each market's plan in force in the period
    (``shown_day``: today's for the period under way, the last day's for one past, the
    first's for one to come), ``stretches`` its collection days in the period with the
    version judging them, and ``received`` the pairs that came per (market, day);
    ``items`` and ``late`` are read from them."""

    period: Period
    today: date
    plans: dict[int, MarketPlan]
    histories: dict[int, PlanHistory] = field(default_factory=dict)
    stretches: dict[int, list[Stretch]] = field(default_factory=dict)
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
    def rounds(self) -> dict[int, list[date]]:
        """Each market's collection days in the period, oldest first."""
        return {
            pk: [day for stretch in stretches for day in stretch.days]
            for pk, stretches in self.stretches.items()
        }

    def versions_in_period(self, market_id: int) -> list[tuple[MarketPlan, date]]:
        """The versions of the market's plan judging days of the period, oldest
        first, each with the first of those days."""
        return [
            (version, first)
            for version, first, _last in self.histories[market_id].spans(
                self.period.start, self.period.end
            )
        ]

    def plan_changes_in_period(self, market_id: int) -> list[tuple[MarketPlan, date]]:
        """``versions_in_period`` as changes of plan a reader sees: a default plan's
        version that only adds a crop the market began to report, on the same market
        day, is no change of plan."""
        found: list[tuple[MarketPlan, date]] = []
        for version, first in self.versions_in_period(market_id):
            before = found[-1][0] if found else None
            if (
                before
                and before.default
                and version.default
                and before.schedule == version.schedule
            ):
                continue
            found.append((version, first))
        return found

    def plan_on(self, market_id: int, day: date) -> MarketPlan:
        """The version of the market's plan that judges ``day``."""
        return self.histories[market_id].in_force(day)

    @cached_property
    def items(self) -> list[Item]:
        """Each expected price of each collection day with its state, by market, day
        and the plan's order."""
        return list(self._items(late_only=False))

    @property
    def late(self) -> list[Item]:
        return list(self._items(late_only=True))

    def _items(self, *, late_only: bool) -> Iterator[Item]:
        for market_id, stretches in self.stretches.items():
            history = self.histories[market_id]
            for stretch in stretches:
                for day in stretch.days:
                    missing = _missing_state(history, stretch.plan, day, self.today)
                    if late_only and missing != sched.LATE:
                        continue
                    got = self.received.get((market_id, day), set())
                    for item in stretch.expected:
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


def _missing_state(history: PlanHistory, version: MarketPlan, day: date, today: date) -> str:
    """The state of an expected price of ``day`` (a collection day of ``version``) that
    did not come: late once its round has closed."""
    return sched.state_of(closes_on=history.closes_on(version, day), today=today, received=False)


def markets_for(
    *,
    region: Region | None = None,
    markets: Sequence[Market] | None = None,
    agent: User | None = None,
) -> QuerySet[Market]:
    # The regions are read apart: a few, each shared by its markets, not one per market.
    rows = Market.objects.prefetch_related("region").order_by("region__name", "name")
    if region is not None:
        rows = rows.filter(region=region)
    if markets:
        rows = rows.filter(pk__in=[m.pk for m in markets])
    if agent is not None:
        # Their markets, and any market whose plan names them for a price.
        rows = rows.filter(
            Q(agents__user=agent) | Q(collection_plans__items__agent=agent)
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
    by_agent: bool = True,
) -> Completeness:
    """Completeness of the collection days in ``period`` as known on ``today``, for the
    markets chosen (all by default); with ``agent``, only what that agent answers for.
    Each day is judged by the version of its market's plan in force that day. Without
    ``by_agent``, nothing is worked out per agent (tallies, streaks, names, last
    reports): for a reader who may not see the agents."""
    chosen = list(markets_for(region=region, markets=markets, agent=agent))
    # The streaks are as they stood when the period ended (today, for one not over): an
    # old week shows the rounds missed then, not those missed since.
    as_of = streaks_as_of(period, today)
    histories = plan_histories(
        chosen,
        today=today,
        since=period.start,
        rounds_back=STREAK_ROUNDS if streaks else 0,
        rounds_until=as_of,
    )
    shown = shown_day(period, today)
    plans = {pk: history.in_force(shown) for pk, history in histories.items()}
    stretches = _stretches(histories, agent, period.start, period.end)
    result = Completeness(
        period=period, today=today, plans=plans, histories=histories, stretches=stretches
    )
    result.received = received_pairs(*_statement(stretches))
    for plan in plans.values():
        result.regions.setdefault(plan.market.region_id, plan.market.region)
    # The agents of the versions judging the period, and of the plans in force.
    agent_ids: set[int] = set()
    if by_agent or agent is not None:
        agent_ids = {
            a
            for version in [
                *plans.values(),
                *(stretch.plan for market in stretches.values() for stretch in market),
            ]
            for item in version.items
            for a in item.agent_ids
        }
    if agent is not None:
        agent_ids &= {agent.pk}
    for agent_id in sorted(agent_ids):
        result.by_agent[agent_id] = Tally()
    for market_id, market_stretches in stretches.items():
        tally = result.by_market[market_id] = Tally()
        region_tally = None
        for stretch in market_stretches:
            count = len(stretch.expected)
            if not count or not stretch.days:
                continue
            if region_tally is None:
                region_tally = result.by_region.setdefault(
                    plans[market_id].market.region_id, Tally()
                )
            # Each agent's share of the version's planned prices, for their tally.
            shares: dict[int, set[Pair]] = defaultdict(set)
            for item in stretch.expected:
                for agent_id in item.agent_ids:
                    if agent_id in agent_ids:
                        shares[agent_id].add((item.commodity_id, item.price_type))
            for day in stretch.days:
                got = result.received.get((market_id, day), set())
                missing = _missing_state(histories[market_id], stretch.plan, day, today)
                for counted in (result.overall, tally, region_tally):
                    counted.count(count, len(got), missing)
                for agent_id, share in shares.items():
                    result.by_agent[agent_id].count(len(share), len(share & got), missing)
    if streaks:
        # An agent's streak is over every market they answer for, whatever the filter:
        # a page narrowed to one region must not show them missing rounds they made
        # elsewhere. Their markets outside the filter are read only for it.
        narrowed = region is not None or bool(markets) or agent is not None
        every = (
            {**histories, **_histories_elsewhere(agent_ids, histories, today, as_of)}
            if narrowed
            else histories
        )
        market_streaks, result.agent_streaks = missed_streaks(every, as_of, agent_ids)
        result.market_streaks = {pk: n for pk, n in market_streaks.items() if pk in plans}
    # Pages and the API name agents by their username alone. Each one's last report is
    # the newest of their quotes, found in the index (quote_agent_recent_idx): the
    # maximum over all of an agent's quotes reads every one, years of them.
    newest = (
        Quote.objects.filter(agent_id=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    agents = User.objects.only("username").annotate(last_report=Subquery(newest)).in_bulk(agent_ids)
    result.agents = {pk: user for pk, user in agents.items()}
    result.last_reports = {
        pk: user.last_report for pk, user in agents.items() if user.last_report is not None
    }
    result.commodities = Commodity.objects.in_bulk(
        {
            item.commodity_id
            for history in histories.values()
            for version in history.versions
            for item in version.items
        }
    )
    return result


def silent_markets(report: Completeness) -> list[tuple[Market, date]]:
    """The report's markets that have gone silent: an agent is assigned, no plan of
    their own (none in force, none to come), and no price (approved or held) in the
    default plan's ``DEFAULT_LOOKBACK_DAYS`` days, so it expects nothing and no round of
    theirs is counted missed any more — though they had reported before (a price held
    or approved, however long ago; one never reviewed too). Each with the day of its
    last price, by name. Two queries (the last price one probe of the index per
    market), none when no market is on a default plan that expects nothing."""
    candidates = {
        pk: history.market
        for pk, history in report.histories.items()
        if all(version.default for version in history.versions)
        and not history.in_force(report.today).items
    }
    if not candidates:
        return []
    staffed = agents_by_market(candidates)
    newest = (
        Quote.objects.filter(market_id=OuterRef("pk"))
        .exclude(status=Quote.Status.REJECTED)
        .order_by("-observed_on")
        .values("observed_on")[:1]
    )
    last = (
        Market.objects.filter(pk__in=list(staffed))
        .annotate(day=Subquery(newest))
        .values_list("pk", "day")
    )
    return sorted(
        ((candidates[pk], day) for pk, day in last if day is not None),
        key=lambda pair: pair[0].name,
    )


def shown_day(period: Period, today: date) -> date:
    """The day whose plan describes a market for ``period``: today for the period
    under way, its last day for one past, its first for one to come (never today's
    plan for days it does not judge)."""
    return max(period.start, min(today, period.end))


def streaks_as_of(period: Period, today: date) -> date:
    """The day the streaks of a report on ``period`` are counted as of: the day after
    its end (its last rounds closed by then), or today for a period not over."""
    return min(today, period.end + timedelta(days=1))


def _histories_elsewhere(
    agent_ids: Iterable[int], histories: dict[int, PlanHistory], today: date, as_of: date
) -> dict[int, PlanHistory]:
    """The plan histories of the markets ``agent_ids`` answer for that are not in
    ``histories``: one query, and those of ``plan_histories`` when there are any."""
    wanted = list(agent_ids)
    if not wanted:
        return {}
    others = list(
        Market.objects.filter(
            Q(agents__user_id__in=wanted, agents__user__is_active=True)
            | Q(collection_plans__items__agent_id__in=wanted)
        )
        .exclude(pk__in=list(histories))
        .select_related("region")
        .distinct()
    )
    if not others:
        return {}
    return plan_histories(others, today=today, rounds_back=STREAK_ROUNDS, rounds_until=as_of)


def _stretches(
    histories: dict[int, PlanHistory], agent: User | None, start: date, end: date
) -> dict[int, list[Stretch]]:
    """The collection days from ``start`` to ``end`` of each market with a version
    that expects any price in them, per version judging them, with the planned prices
    (``agent``'s when one is asked about). A schedule's days are worked out once for
    the whole period (markets mostly share theirs) and cut per version."""
    calendars: dict[Schedule, list[date]] = {}
    found: dict[int, list[Stretch]] = {}
    for pk, history in histories.items():
        market_stretches = []
        for version, first, last in history.spans(start, end):
            if not version.items:
                continue
            schedule = version.schedule
            if schedule not in calendars:
                calendars[schedule] = schedule.days(start, end)
            calendar = calendars[schedule]
            days = calendar[bisect_left(calendar, first) : bisect_right(calendar, last)]
            expected = tuple(
                item for item in version.items if agent is None or agent.pk in item.agent_ids
            )
            if not expected:
                continue  # nothing of the agent asked about: not their market then
            market_stretches.append(
                Stretch(version, days, expected, history.counted_near_changes(version, days))
            )
        if market_stretches:
            found[pk] = market_stretches
    return found


def _statement(
    stretches: dict[int, list[Stretch]],
) -> tuple[dict[Key, Rounds], dict[Key, list[Pair]]]:
    """The stretches as the database matches them: rounds and planned pairs, per
    (market, stretch)."""
    rounds: dict[Key, Rounds] = {}
    pairs: dict[Key, list[Pair]] = {}
    for pk, market_stretches in stretches.items():
        for n, stretch in enumerate(market_stretches):
            rounds[(pk, n)] = Rounds(stretch.plan.schedule, tuple(stretch.days), stretch.counted)
            pairs[(pk, n)] = [(item.commodity_id, item.price_type) for item in stretch.expected]
    return rounds, pairs


def weekly_history(
    *,
    today: date,
    weeks: int,
    last_week: Period | None = None,
    region: Region | None = None,
    markets: Sequence[Market] | None = None,
    agent: User | None = None,
) -> tuple[list[Period], dict[int, list[Tally]], dict[int, Market]]:
    """``weeks`` ISO weeks up to ``last_week`` (default today's), oldest first, and each
    market's tally per week as known on ``today`` (as ``completeness`` counts a week),
    each collection day judged by the version in force that day: the weeks × markets
    table. Counted per market and round in the database (``received_counts``), not per
    price."""
    this_week = last_week or sched.week_of(today)
    periods = [
        sched.week_of(this_week.start - timedelta(weeks=n)) for n in range(weeks - 1, -1, -1)
    ]
    chosen = list(markets_for(region=region, markets=markets, agent=agent))
    histories = plan_histories(chosen, today=today, since=periods[0].start)
    stretches = _stretches(histories, agent, periods[0].start, periods[-1].end)
    counts = received_counts(*_statement(stretches))
    index = {period.start: n for n, period in enumerate(periods)}
    table: dict[int, list[Tally]] = {}
    for market_id, market_stretches in stretches.items():
        row = table[market_id] = [Tally() for _ in periods]
        for stretch in market_stretches:
            expected = len(stretch.expected)
            for day in stretch.days:
                received = counts.get((market_id, day), 0)
                # What is missing has a state; a round with nothing missing needs none
                # (working out when a round closes near a plan change costs a year of
                # rounds dearly).
                missing = (
                    _missing_state(histories[market_id], stretch.plan, day, today)
                    if received < expected
                    else sched.RECEIVED
                )
                monday = day - timedelta(days=day.weekday())
                row[index[monday]].count(expected, received, missing)
    return periods, table, {pk: h.market for pk, h in histories.items()}
