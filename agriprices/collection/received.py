"""Which planned prices came for which collection round, matched so that no quote row
comes back to Python: per market and round, the planned (commodity, price type) pairs
that got a price (``received_pairs``) or how many did (``received_counts``: a year of
rounds), and which rounds got any price of the market at all (``visited_rounds``, for
the streaks).

A market's days are asked about in stretches, each judged by the plan version in
force (``Key``: the market and the stretch's number): a stretch has its own schedule
and planned pairs, and a price counts only for the pairs planned in its own stretch.

A price counts when it is held for review or approved (not rejected) and recorded on a
day whose round it is: Python works out the calendar, for each market the days of each
round's window that ``Schedule.round_of`` gives that round, or near a plan change
``PlanHistory.round_of`` (``Rounds.counted``: across a plan change too, a price counts
for the nearer round, and for one only) — the rule stays in one place. The database
says on which of those days each series has a price, as bits (``_priced_days``), and
Python matches them to the rounds' windows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from django.db import connection

from agriprices.collection.schedule import Schedule
from agriprices.models import Quote

QUOTES = Quote._meta.db_table

#: A planned price at a market: (commodity id, price type).
Pair = tuple[int, str]
#: A stretch of a market's days judged by one version of its plan: (market id, number).
Key = tuple[int, int]


@dataclass(frozen=True)
class Rounds:
    """A market's collection days asked about, under its schedule; the days near a
    plan change (``counted``) with the days whose prices count for them
    (``PlanHistory.counted_near_changes``: another version's rounds may take some, or
    leave them some its schedule alone would not), the others with their schedule's."""

    schedule: Schedule
    days: tuple[date, ...]
    counted: tuple[tuple[date, tuple[date, ...]], ...] = ()

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        # Worked out once: a report looks up each market's rounds several times.
        return hash((self.schedule, self.days, self.counted))


class _Statement:
    """The calendars of the markets asked about: for each market's stretch, the days
    whose prices count for each of its rounds (``rounds`` holds the rounds' days, r
    its index), and the stretches chosen (those with pairs planned, when asked).

    For the streaks, ``tables`` writes them as a common table expression ``slots``
    (at a market, prices of that day count for the round on day r of the market's
    stretch v), written out per market, not a calendar per schedule joined to the
    markets on it: PostgreSQL, which has no statistics for a VALUES list, guesses such
    a join at a handful of rows and probes the quotes once per day."""

    def __init__(
        self, rounds: Mapping[Key, Rounds], planned: Mapping[Key, Iterable[Pair]] | None
    ) -> None:
        self.rounds: list[date] = []
        index: dict[date, int] = {}
        # Markets on the same schedule share their days: each is worked out once, and
        # each collection day's counting days once per schedule.
        self.calendars: dict[Rounds, list[tuple[date, int]]] = {}
        self.chosen: list[tuple[Key, Rounds]] = []
        # One object for equal rounds, so that each later look-up finds it by identity.
        same: dict[Rounds, Rounds] = {}
        for key, market_rounds in rounds.items():
            if planned is not None and not planned.get(key):
                continue
            market_rounds = same.setdefault(market_rounds, market_rounds)
            if market_rounds not in self.calendars:
                self.calendars[market_rounds] = []
                schedule = market_rounds.schedule
                counted = dict(market_rounds.counted)
                for day in market_rounds.days:
                    if day not in index:
                        index[day] = len(self.rounds)
                        self.rounds.append(day)
                    counting = counted.get(day)
                    for seen in schedule.counting_days(day) if counting is None else counting:
                        self.calendars[market_rounds].append((seen, index[day]))
            if self.calendars[market_rounds]:
                self.chosen.append((key, market_rounds))

    @property
    def empty(self) -> bool:
        return not self.chosen

    def days(self) -> list[date]:
        """The days any price counts on, in order: the quotes are read on those days
        alone (a year of weekly rounds with a day's tolerance reads three days a week
        of the index, not seven)."""
        return sorted(
            {seen for market_rounds in self.calendars.values() for seen, _ in market_rounds}
        )

    def by_schedule(self) -> list[tuple[list[int], list[date]]]:
        """The markets chosen, by schedule, each group with the days any of its prices
        counts on: a group's days alone are read for its markets (a market on the
        default plan counts any day of the week, a planned one mostly three)."""
        markets: dict[Schedule, set[int]] = defaultdict(set)
        calendars: dict[Schedule, set[Rounds]] = defaultdict(set)
        for (market_id, _), market_rounds in self.chosen:
            markets[market_rounds.schedule].add(market_id)
            calendars[market_rounds.schedule].add(market_rounds)
        return [
            (
                sorted(markets[schedule]),
                sorted({seen for rounds in group for seen, _ in self.calendars[rounds]}),
            )
            for schedule, group in calendars.items()
        ]

    def tables(self) -> tuple[str, list[Any]]:
        """The ``WITH`` clause of ``slots``, and its parameters."""
        # Days are written in as ISO dates (digits and dashes), but the first row's is
        # a parameter: it makes the column a date in PostgreSQL (a column of quoted
        # text alone is text, and no date equals text). So the statement's parameters
        # do not grow with the markets and rounds (SQLite takes at most 32,766).
        tails = {
            market_rounds: [f", '{seen.isoformat()}', {int(r)}" for seen, r in days]
            for market_rounds, days in self.calendars.items()
        }
        rows = [
            f"({int(market_id)}{tail}, {int(v)})"
            for (market_id, v), market_rounds in self.chosen
            for tail in tails[market_rounds]
        ]
        (first_market, first_v), first_rounds = self.chosen[0]
        first_day, first_round = self.calendars[first_rounds][0]
        rows[0] = f"({int(first_market)}, %s, {int(first_round)}, {int(first_v)})"
        tables = f"WITH slots(market_id, observed_on, r, v) AS (VALUES {', '.join(rows)})"
        return tables, [connection.ops.adapt_datefield_value(first_day)]


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


#: Days per word of the bits that say on which days a series has a price: a word is a
#: signed 64-bit integer in both databases, and bit 63 would be its sign.
_WORD = 63


def _priced_days(statement: _Statement) -> tuple[list[date], dict[int, dict[Pair, int]]]:
    """The days read, and for each market chosen, each (commodity id, price type) with
    a price counting on one of them (held or approved, not rejected), on which: bit n
    set for the n-th day read. One query, grouped in the database by
    series (a hash of a few thousand series, where making each price's round distinct
    sorted a year of prices); its rows: each series' days, a word of 63 at a time. The
    markets of each schedule are read on their own days (``by_schedule``); a market
    under two schedules (a plan change) is read on each one's, its bits joined."""
    days = statement.days()
    rows = [
        f"('{day.isoformat()}', {n // _WORD}, {1 << (n % _WORD)})" for n, day in enumerate(days)
    ]
    # The first day as a parameter makes the column a date in PostgreSQL (see tables).
    rows[0] = "(%s, 0, 1)"
    # SQLite has no BIT_OR: the distinct powers of two a group holds, summed, are their OR.
    either = "BIT_OR(days.bit)" if connection.vendor == "postgresql" else "SUM(DISTINCT days.bit)"
    reads = []
    for markets, group_days in statement.by_schedule():
        listed = ", ".join(f"'{day.isoformat()}'" for day in group_days)
        ids = ", ".join(str(int(market_id)) for market_id in markets)
        reads.append(
            f"SELECT q.market_id, q.commodity_id, q.price_type, days.w, {either}"  # noqa: S608
            f" FROM days JOIN {QUOTES} q ON q.observed_on = days.observed_on"
            # Redundant with the join, but it lets the planner read those days alone
            # from the index (quote_collection_idx), not every quote.
            f" WHERE q.observed_on IN ({listed}) AND q.market_id IN ({ids})"
            " AND q.status <> %s GROUP BY q.market_id, q.commodity_id, q.price_type, days.w"
        )
    sql = f"WITH days(observed_on, w, bit) AS (VALUES {', '.join(rows)}) " + " UNION ALL ".join(
        reads
    )
    params = [connection.ops.adapt_datefield_value(days[0])] + [Quote.Status.REJECTED] * len(reads)
    priced: dict[int, dict[Pair, int]] = defaultdict(dict)
    for market_id, commodity_id, price_type, word, bits in _fetch(sql, params):
        series = priced[market_id]
        pair = (commodity_id, price_type)
        series[pair] = series.get(pair, 0) | int(bits) << (_WORD * word)
    return days, priced


def received_pairs(
    rounds: Mapping[Key, Rounds], planned: Mapping[Key, Iterable[Pair]]
) -> dict[tuple[int, date], set[Pair]]:
    """For each (market, collection day), the pairs planned there that got a price
    counting for that round (a market's stretches have days of their own): a pair's
    priced days that are among the round's counting days (``_priced_days``)."""
    statement = _Statement(rounds, planned)
    if statement.empty:
        return {}
    days, priced = _priced_days(statement)
    bit = {day: 1 << n for n, day in enumerate(days)}
    # Each round's counting days as bits, once per calendar (markets share them).
    windows: dict[Rounds, dict[int, int]] = {}
    for market_rounds, calendar in statement.calendars.items():
        window: dict[int, int] = defaultdict(int)
        for seen, r in calendar:
            window[r] |= bit[seen]
        windows[market_rounds] = window
    found: dict[tuple[int, date], set[Pair]] = {}
    for (market_id, v), market_rounds in statement.chosen:
        series = priced.get(market_id)
        if not series:
            continue
        pairs = planned[(market_id, v)]
        for r, counting in windows[market_rounds].items():
            got = {pair for pair in pairs if series.get(pair, 0) & counting}
            if got:
                # A market's stretches have days of their own: no round is met twice.
                found[(market_id, statement.rounds[r])] = got
    return found


def received_counts(
    rounds: Mapping[Key, Rounds], planned: Mapping[Key, Iterable[Pair]]
) -> dict[tuple[int, date], int]:
    """For each (market, collection day), how many of the pairs planned there got a
    price counting for that round."""
    return {key: len(pairs) for key, pairs in received_pairs(rounds, planned).items()}


def visited_rounds(rounds: Mapping[Key, Rounds]) -> set[tuple[int, date]]:
    """The (market, collection day) rounds with any price of the market counting for
    them, planned or not. One query."""
    statement = _Statement(rounds, None)
    if statement.empty:
        return set()
    tables, params = statement.tables()
    # A day is asked once per market and stops at its first price: no quote is read
    # beyond that.
    sql = (
        f"{tables} SELECT DISTINCT slots.market_id, slots.r FROM slots"  # noqa: S608
        f" WHERE EXISTS (SELECT 1 FROM {QUOTES} q WHERE q.market_id = slots.market_id"
        " AND q.observed_on = slots.observed_on AND q.status <> %s)"
    )
    params.append(Quote.Status.REJECTED)
    return {(market_id, statement.rounds[r]) for market_id, r in _fetch(sql, params)}
