"""Each market's plan as the rules read it: the version of its own plan in force on a day
(``CollectionPlan``, effective-dated), or the default — what it reported in the last
``DEFAULT_LOOKBACK_DAYS`` days (prices approved or held for review), weekly, on the
weekday its crops' latest approved prices (or, with none, held ones) fell on most — for
a market without a version in force that day (none yet, or only versions taking effect
later). The default is worked out as of today, whatever the day, from the last
``DEFAULT_LOOKBACK_DAYS`` days, and judges those days alone: it expects prices from the
market's first price of them on, and each crop from its own first price of them (or the
round it counted for, if earlier), so no round before was missed (it comes as versions,
one more from each day that added a crop). Judged over a longer past, a guess made today
(its market day, its crops) would call weeks late that were not: a market needs a plan
of its own to have older weeks judged."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import NamedTuple

from django.conf import settings
from django.db.models import Max, Min, OuterRef, Subquery

from agriprices.collection.models import (
    MAX_TOLERANCE_DAYS,
    CollectionPlan,
    PlannedItem,
    weekday_numbers,
)
from agriprices.collection.schedule import Schedule, nearest
from agriprices.models import AgentProfile, LatestPrice, Market, Quote

DEFAULT_LOOKBACK_DAYS = 90
#: Prices held for review: they count for a round, as approved ones do.
HELD_STATUSES = (Quote.Status.PENDING, Quote.Status.FLAGGED)
#: The default plan's cycle: weekly (its schedule, ``_default_plans``).
DEFAULT_CYCLE_DAYS = 7
#: How far before the first day asked about a round may be that takes a price from a
#: round asked about: a price is at most the widest tolerance from each.
REACH = timedelta(days=2 * MAX_TOLERANCE_DAYS)


class Expected(NamedTuple):
    """A crop and price type expected at a market, and the agents who answer for it (a
    tuple: a plan of every market is thousands of them, made at each report)."""

    commodity_id: int
    price_type: str
    agent_ids: tuple[int, ...]


@dataclass(frozen=True)
class MarketPlan:
    market: Market
    schedule: Schedule
    items: tuple[Expected, ...]
    default: bool  # no plan of its own in force: the default one
    updated_at: datetime | None = None
    #: The day this version takes effect; for the default plan, the day of the
    #: market's first price of the days it is worked out from (it expects none
    #: before), None when it has none.
    effective_from: date | None = None


class _Span(NamedTuple):
    """A version, the first day it judges (``date.min``: a default plan without one)
    and the day the next version takes over (None: none does); and the changes of
    plan nearest before and after it that may move a round (``PlanHistory.near_change``:
    None, none does)."""

    version: MarketPlan
    first: date
    following: date | None
    moved_from: date | None
    moved_at: date | None


@dataclass(frozen=True)
class PlanHistory:
    """A market's plan versions, oldest first; the first are the default plan's when
    days before the market's first version, or near it, were asked about (``since``)."""

    market: Market
    versions: tuple[MarketPlan, ...]

    def in_force(self, day: date) -> MarketPlan:
        """The version that judges ``day``: the newest taking effect on it or before."""
        found = self.versions[0]
        for version in self.versions:
            if version.effective_from is None or version.effective_from <= day:
                found = version
            else:
                break
        return found

    def spans(self, start: date, end: date) -> list[tuple[MarketPlan, date, date]]:
        """The versions judging the days ``start`` to ``end``, each with the first and
        the last of those days it judges, oldest first."""
        found = []
        for n, version in enumerate(self.versions):
            first = max(start, version.effective_from or start)
            following = self.versions[n + 1].effective_from if n + 1 < len(self.versions) else None
            last = min(end, following - timedelta(days=1)) if following else end
            if first <= last:
                found.append((version, first, last))
        return found

    @cached_property
    def _spans(self) -> dict[int, _Span]:
        """Each version's ``_Span``, by the version's id."""
        versions = self.versions
        # A version that only adds prices to the one before, on its schedule (the
        # default plan's, as crops came), moves no round: collection days and their
        # windows run on across it.
        moves = [
            n == 0
            or not (
                versions[n].schedule == versions[n - 1].schedule
                and versions[n].items
                and versions[n - 1].items
            )
            for n in range(len(versions))
        ]
        moved_from: list[date | None] = []
        for n, version in enumerate(versions):
            moved_from.append(version.effective_from if moves[n] else moved_from[-1])
        moved_at: list[date | None] = [None] * len(versions)
        for n in range(len(versions) - 2, -1, -1):
            following = versions[n + 1]
            moved_at[n] = following.effective_from if moves[n + 1] else moved_at[n + 1]
        return {
            id(version): _Span(
                version,
                version.effective_from or date.min,
                versions[n + 1].effective_from if n + 1 < len(versions) else None,
                moved_from[n],
                moved_at[n],
            )
            for n, version in enumerate(versions)
        }

    def round_of(self, seen: date) -> date | None:
        """The collection day a price of ``seen`` counts for, across plan changes: of
        the market's collection days (each a day of the version in force on it that
        expects any price: a version's weekdays outside the days it judges are no
        collection days) within their own version's tolerance of ``seen``, the
        nearest, the earlier of two as near (``schedule.nearest``, as within one
        version). None: no round's. So a price counts for one round, never for two,
        and for the round of the version before when it is the nearer."""
        candidates: list[date] = []
        for version, first, following, _, _ in self._spans.values():
            if not version.items:
                continue  # expecting nothing, it has no rounds to count for
            tolerance = version.schedule.tolerance
            low = max(first, seen - timedelta(days=tolerance))
            high = seen + timedelta(days=tolerance)
            if following is not None:
                high = min(high, following - timedelta(days=1))
            candidates.extend(version.schedule.days(low, high))
        return nearest(seen, candidates)

    def near_change(self, version: MarketPlan, day: date) -> bool:
        """Whether another version's collection days may compete for the prices of
        ``version``'s round of ``day`` (it is near a change of plan before or after it
        that may move a round); otherwise its schedule alone says which prices count."""
        span = self._spans[id(version)]
        reach = timedelta(days=version.schedule.tolerance + MAX_TOLERANCE_DAYS)
        return (span.moved_from is not None and day - reach < span.moved_from) or (
            span.moved_at is not None and day + reach >= span.moved_at
        )

    def counting_days(self, version: MarketPlan, day: date) -> tuple[date, ...]:
        """The days whose prices count for the round of ``day``, a collection day of
        ``version`` (one it judges): the days of its window whose price counts for it
        (``round_of``), oldest first; ``day`` itself always."""
        schedule = version.schedule
        if not self.near_change(version, day):
            return schedule.counting_days(day)
        low, high = schedule.window(day)
        window = (low + timedelta(days=n) for n in range((high - low).days + 1))
        return tuple(seen for seen in window if self.round_of(seen) == day)

    def counted_near_changes(
        self, version: MarketPlan, days: Iterable[date]
    ) -> tuple[tuple[date, tuple[date, ...]], ...]:
        """Of ``version``'s collection days ``days``, those near a plan change, each with
        its counting days (what its schedule alone would say for the others)."""
        return tuple(
            (day, self.counting_days(version, day))
            for day in days
            if self.near_change(version, day)
        )

    def closes_on(self, version: MarketPlan, day: date) -> date:
        """The day the round of ``day`` (a collection day of ``version``) closes: the
        day after the last whose prices count for it. From then on its missing prices
        are late, and it is a closed round for the streaks."""
        return self.counting_days(version, day)[-1] + timedelta(days=1)


#: The fields of a plan version its schedule is made of (``schedule_of``, ``_schedule``).
SCHEDULE_FIELDS = ("kind", "weekdays", "every_days", "starts_on", "tolerance_days")


def schedule_of(plan: CollectionPlan) -> Schedule:
    return _schedule(*(getattr(plan, name) for name in SCHEDULE_FIELDS))


def _schedule(
    kind: str, weekdays: str, every_days: int | None, starts_on: date | None, tolerance: int
) -> Schedule:
    if kind == CollectionPlan.Kind.EVERY:
        return Schedule(every_days=every_days, starts_on=starts_on, tolerance=tolerance)
    return Schedule(weekdays=weekday_numbers(weekdays), tolerance=tolerance)


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
    """The plan of each market in force ``today``, its own or the default. Five queries
    whatever the number of markets."""
    return {
        pk: history.in_force(today) for pk, history in plan_histories(markets, today=today).items()
    }


def plan_histories(
    markets: Iterable[Market],
    *,
    today: date,
    since: date | None = None,
    rounds_back: int = 0,
    rounds_until: date | None = None,
) -> dict[int, PlanHistory]:
    """Each market's plan versions, with the default plan first for a market whose
    first version takes effect after the first day the caller will ask about, or near
    enough before it that a round of the default plan may take prices of a round asked
    about (a price counts for the nearer: twice the widest tolerance): the first day
    asked about is ``since`` (default: ``today``), or the first of the ``rounds_back``
    rounds before ``rounds_until`` (default: today; the day the streaks are counted as
    of) if earlier. Five queries whatever the number of markets and versions: agents,
    versions, their planned prices, the default plans' approved prices (with each crop's
    first) and their prices held for review."""
    since = today if since is None else since
    until = today if rounds_until is None else rounds_until
    by_id = {market.pk: market for market in markets}
    agents = agents_by_market(by_id)
    # Rows, not model instances: a plan of every market is hundreds of versions and
    # thousands of planned prices, read at each report.
    own = CollectionPlan.objects.filter(market_id__in=list(by_id)).order_by(
        "market_id", "effective_from"
    )
    items: dict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    for plan_id, commodity_id, price_type, agent_id in (
        PlannedItem.objects.filter(plan__market_id__in=list(by_id))
        .order_by("commodity__name", "price_type")
        .values_list("plan_id", "commodity_id", "price_type", "agent_id")
    ):
        items[plan_id].append((commodity_id, price_type, agent_id))
    # Markets mostly share a schedule: one object for each.
    schedules: dict[tuple[object, ...], Schedule] = {}
    versions: dict[int, list[MarketPlan]] = defaultdict(list)
    for pk, market_id, updated_at, effective_from, *terms in own.values_list(
        "pk", "market_id", "updated_at", "effective_from", *SCHEDULE_FIELDS
    ):
        key = tuple(terms)
        if key not in schedules:
            schedules[key] = _schedule(*terms)
        market_agents = agents.get(market_id, ())
        versions[market_id].append(
            MarketPlan(
                market=by_id[market_id],
                schedule=schedules[key],
                items=tuple(
                    Expected(commodity_id, price_type, (agent_id,) if agent_id else market_agents)
                    for commodity_id, price_type, agent_id in items[pk]
                ),
                default=False,
                updated_at=updated_at,
                effective_from=effective_from,
            )
        )
    rest = [
        by_id[pk]
        for pk in by_id
        if pk not in versions
        or _first_day(versions[pk]) > _asked_from(versions[pk], since, until, rounds_back) - REACH
    ]
    defaults = _default_plans(rest, agents, today) if rest else {}
    for pk in versions.keys() & defaults.keys():
        # Versions of the default from once its own plan took effect judge no day.
        own_first = _first_day(versions[pk])
        defaults[pk] = [
            default for default in defaults[pk] if (default.effective_from or date.min) < own_first
        ]
    return {
        pk: PlanHistory(market, tuple(defaults.get(pk, []) + versions.get(pk, [])))
        for pk, market in by_id.items()
    }


def _first_day(versions: list[MarketPlan]) -> date:
    return versions[0].effective_from or date.min


def _asked_from(versions: list[MarketPlan], since: date, until: date, rounds_back: int) -> date:
    """The first day asked about at a market: ``since``, or earlier when ``rounds_back``
    rounds before ``until`` may reach further (at most that many of its longest cycle, and
    the widest tolerance, back)."""
    if not rounds_back:
        return since
    longest = max(version.schedule.cycle_days for version in versions)
    return min(since, until - timedelta(days=longest * (rounds_back + 1) + MAX_TOLERANCE_DAYS + 1))


def default_plan_since(today: date) -> date:
    """The first of the days the default plan is worked out from, and judges."""
    return today - timedelta(days=DEFAULT_LOOKBACK_DAYS)


def _default_plans(
    markets: list[Market], agents: dict[int, tuple[int, ...]], today: date
) -> dict[int, list[MarketPlan]]:
    """Each market's default plan, as versions oldest first: from the market's first
    price of the days it is worked out from, then one more from each day a crop came
    that it had no price of yet (``_expected_from``), expecting that crop as well."""
    since = default_plan_since(today)
    # Each crop's first approved price of those days: one probe of the index each (the
    # first entry of a range).
    first_approved = (
        Quote.objects.filter(
            market_id=OuterRef("market_id"),
            commodity_id=OuterRef("commodity_id"),
            price_type=OuterRef("price_type"),
            status=Quote.Status.APPROVED,
            observed_on__gte=since,
        )
        .order_by("observed_on")
        .values("observed_on")[:1]
    )
    rows = (
        LatestPrice.objects.filter(market__in=markets, observed_on__gte=since)
        .annotate(first=Subquery(first_approved))
        .values_list(
            "market_id", "commodity_id", "commodity__name", "price_type", "observed_on", "first"
        )
    )
    # Each market's crops: (crop's name, price type) -> (crop, first price day).
    seen: dict[int, dict[tuple[str, str], tuple[int, date]]] = defaultdict(dict)
    weekdays: dict[int, Counter[int]] = defaultdict(Counter)
    for market_id, commodity_id, name, price_type, observed_on, first_seen in rows:
        seen[market_id][(name, price_type)] = (commodity_id, first_seen or observed_on)
        weekdays[market_id][observed_on.weekday()] += 1
    # Prices held for review count too: a crop's first price may be one, and a crop
    # whose prices of those days all wait for review was reported, so it is expected as
    # well. The market day is the approved prices' to say; a market with none, its held
    # ones'. Few prices wait for review: read by their status.
    held = (
        Quote.objects.filter(market__in=markets, observed_on__gte=since, status__in=HELD_STATUSES)
        .values_list("market_id", "commodity_id", "commodity__name", "price_type")
        .annotate(first=Min("observed_on"), newest=Max("observed_on"))
        .order_by()
    )
    held_weekdays: dict[int, Counter[int]] = defaultdict(Counter)
    for market_id, commodity_id, name, price_type, first_seen, newest in held:
        crops = seen[market_id]
        if (name, price_type) in crops:
            approved_first = crops[(name, price_type)][1]
            crops[(name, price_type)] = (commodity_id, min(approved_first, first_seen))
        else:
            crops[(name, price_type)] = (commodity_id, first_seen)
            held_weekdays[market_id][newest.weekday()] += 1
    plans = {}
    # Markets share their schedules' rounds of a day: each worked out once.
    rounds: dict[tuple[Schedule, date], date] = {}
    for market in markets:
        counted = weekdays.get(market.pk) or held_weekdays.get(market.pk)
        # The day the market's prices fell on most lately; ties go to the earlier day.
        weekday = (
            min(counted, key=lambda day: (-counted[day], day))
            if counted
            else settings.COLLECTION_DEFAULT_WEEKDAY
        )
        schedule = Schedule(weekdays=(weekday,), tolerance=settings.COLLECTION_TOLERANCE_DAYS)
        market_agents = agents.get(market.pk, ())
        # The market's first price of those days (held or approved): its crops' first.
        # The plan expects none before it (a market reporting for the first time today,
        # or again after a long silence, has missed no round before).
        starts_on = min((day for _, day in seen.get(market.pk, {}).values()), default=None)
        expected = [
            (Expected(c, p, market_agents), _expected_from(schedule, seen_on, starts_on, rounds))
            # In the plans' order: by crop's name, then price type.
            for (_, p), (c, seen_on) in sorted(seen.get(market.pk, {}).items())
        ]
        # No first day (no price held or approved of those days): one version, from
        # no day on.
        starts = {day for _, day in expected if day is not None}
        if starts_on is not None:
            starts.add(starts_on)
        days: list[date | None] = [*sorted(starts)] or [None]
        plans[market.pk] = [
            MarketPlan(
                market=market,
                schedule=schedule,
                items=tuple(
                    item
                    for item, expected_from in expected
                    if day is None or expected_from is None or expected_from <= day
                ),
                default=True,
                effective_from=day,
            )
            for day in days
        ]
    return plans


def _expected_from(
    schedule: Schedule,
    first_seen: date,
    starts_on: date | None,
    rounds: dict[tuple[Schedule, date], date],
) -> date | None:
    """The day a crop is expected from under the default plan: the day of its first
    price of the plan's days, or the round that price counted for when that round came
    before it (the round then expects the crop and has it); never later, so today's
    plan has every crop reported by today, though its first round is to come. Not
    before the market's first price (``starts_on``; None: the plan has no first day).
    ``rounds`` keeps the rounds already worked out."""
    if starts_on is None:
        return None
    key = (schedule, first_seen)
    if key not in rounds:
        rounds[key] = min(schedule.round_of(first_seen) or first_seen, first_seen)
    return max(starts_on, rounds[key])
