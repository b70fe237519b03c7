"""Which planned prices came for which collection round, matched in the database so that
no quote row comes back to Python: per market and round, the planned (commodity, price
type) pairs that got a price (``received_pairs``: the pairs with a price come back once
each, and the planned ones are kept) or only how many did (``received_counts``, counted
in the database: a year of rounds), and which rounds got any price of the market at all
(``visited_rounds``, for the streaks).

A market's days are asked about in stretches, each judged by the plan version in
force (``Key``: the market and the stretch's number): a stretch has its own schedule
and planned pairs, and a price counts only for the pairs planned in its own stretch.

A price counts when it is held for review or approved (not rejected) and recorded on a
day whose round it is: Python sends the calendar, for each market the days of each
round's window that ``Schedule.round_of`` gives that round, or near a plan change
``PlanHistory.round_of`` (``Rounds.counted``: across a plan change too, a price counts
for the nearer round, and for one only) — the rule stays in one place — and the
database joins the quotes to it."""

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


class _Statement:
    """The tables the queries join the quotes to, as common table expressions:
    ``slots`` (at a market, prices of that day count for the round on day r, an index
    into ``rounds``, of the market's stretch v) and ``wanted`` (in its stretch v, a
    market plans commodity c with price type t, an index into ``types``).

    Written so that PostgreSQL, which has no statistics for a VALUES list and guesses a
    join of two of them, or of one with the quotes on several columns, at a handful of
    rows, has one sane plan: both tables are written out per market (not a calendar
    per schedule joined to the markets on it), the quotes are joined to the days on
    equalities alone (a range is guessed at thousands of rows a round), and the
    planned pairs are matched only after the pairs found are made distinct (a
    subquery the planner keeps apart). Otherwise it probes the quotes once per planned
    price and day, or reads every quote: seconds for a year of weeks."""

    def __init__(
        self, rounds: Mapping[Key, Rounds], planned: Mapping[Key, Iterable[Pair]] | None
    ) -> None:
        self.rounds: list[date] = []
        index: dict[date, int] = {}
        # Markets on the same schedule share their days: each is worked out once, and
        # each collection day's counting days once per schedule.
        self.calendars: dict[Rounds, list[tuple[date, int]]] = {}
        self.chosen: list[tuple[Key, Rounds]] = []
        self.planned = planned
        for key, market_rounds in rounds.items():
            if planned is not None and not planned.get(key):
                continue
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

    @cached_property
    def wanted(self) -> tuple[list[str], list[tuple[int, int, int, int]]]:
        """The price types planned, and the rows of ``wanted`` (each price type as its
        index in that list): written only for the queries that join to the plans."""
        types: list[str] = []
        rows: list[tuple[int, int, int, int]] = []
        for key, pairs in (self.planned or {}).items():
            for commodity_id, price_type in sorted(pairs):
                if price_type not in types:
                    types.append(price_type)
                rows.append((*key, commodity_id, types.index(price_type)))
        return types, rows

    @property
    def empty(self) -> bool:
        return not self.chosen

    def days_read(self) -> str:
        """The days any price counts on, written as a list of ISO dates: the quotes are
        read on those days alone (a year of weekly rounds with a day's tolerance reads
        three days a week of the index, not seven)."""
        days = {seen for market_rounds in self.calendars.values() for seen, _ in market_rounds}
        return ", ".join(f"'{day.isoformat()}'" for day in sorted(days))

    def tables(self, *, wanted: bool = False) -> tuple[str, list[Any]]:
        """The ``WITH`` clause, and its parameters; ``wanted`` too when asked for."""
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
        tables = [f"slots(market_id, observed_on, r, v) AS (VALUES {', '.join(rows)})"]
        if wanted and self.wanted[1]:
            tables.append(
                f"wanted(market_id, v, commodity_id, t) AS (VALUES {_values(self.wanted[1])})"
            )
        return "WITH " + ", ".join(tables), [connection.ops.adapt_datefield_value(first_day)]

    def found(self) -> tuple[str, list[Any]]:
        """Each pair of a chosen market with a price counting for one of its rounds,
        planned or not, once: (market_id, commodity_id, price_type, r, v)."""
        tables, params = self.tables()
        got = _GOT.format(price_type="q.price_type", days=self.days_read())
        return f"{tables} {got}", [*params, Quote.Status.REJECTED]

    def planned_received(self, select: str, *, group_by: str = "") -> tuple[str, list[Any]]:
        """``select`` from ``got``: each planned pair of a chosen market with a price
        counting for one of its rounds, once (market_id, commodity_id, t, r, v, with t
        the price type's index in ``wanted``), planned in the stretch the round is of."""
        tables, params = self.tables(wanted=True)
        types = self.wanted[0]
        # The price type as its number: the pairs are made distinct on integers alone,
        # cheaper to sort than text compared by the database's collation.
        price_type = (
            "CASE q.price_type " + " ".join(f"WHEN %s THEN {n}" for n in range(len(types))) + " END"
        )
        got = _GOT.format(price_type=price_type, days=self.days_read())
        sql = (
            f"{tables} SELECT {select} FROM ({got}) got"  # noqa: S608 - see _GOT
            " JOIN wanted ON wanted.market_id = got.market_id AND wanted.v = got.v"
            " AND wanted.commodity_id = got.commodity_id AND wanted.t = got.t"
            f"{group_by}"
        )
        return sql, [*params, *types, Quote.Status.REJECTED]


# The pairs with a price counting for a round of their market's stretch, the price type
# as {price_type} (AS t). S608: what is written in is the table's name, integers and ISO
# dates.
_GOT = (
    "SELECT DISTINCT q.market_id, q.commodity_id, {price_type} AS t, slots.r, slots.v"  # noqa: S608
    f" FROM slots JOIN {QUOTES} q ON q.market_id = slots.market_id"
    " AND q.observed_on = slots.observed_on"
    # Redundant with the join, but it lets the planner read those days alone from the
    # index (quote_collection_idx) rather than every quote.
    " WHERE q.observed_on IN ({days}) AND q.status <> %s"
)


def _values(rows: Iterable[tuple[int, ...]]) -> str:
    # int() makes each value safe to write into the statement.
    return ", ".join("(" + ", ".join(str(int(v)) for v in row) + ")" for row in rows)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def received_pairs(
    rounds: Mapping[Key, Rounds], planned: Mapping[Key, Iterable[Pair]]
) -> dict[tuple[int, date], set[Pair]]:
    """For each (market, collection day), the pairs planned there that got a price
    counting for that round (a market's stretches have days of their own). One query;
    rows: the pairs with a price, kept here when planned (a round is a few days, so they
    are few, and the plans need not be written into the statement)."""
    statement = _Statement(rounds, planned)
    if statement.empty:
        return {}
    wanted = {key: set(pairs) for key, pairs in planned.items()}
    found: dict[tuple[int, date], set[Pair]] = defaultdict(set)
    for market_id, commodity_id, price_type, r, v in _fetch(*statement.found()):
        if (commodity_id, price_type) in wanted[(market_id, v)]:
            found[(market_id, statement.rounds[r])].add((commodity_id, price_type))
    return dict(found)


def received_counts(
    rounds: Mapping[Key, Rounds], planned: Mapping[Key, Iterable[Pair]]
) -> dict[tuple[int, date], int]:
    """For each (market, collection day), how many of the pairs planned there got a
    price counting for that round. One query; rows: the rounds with any."""
    statement = _Statement(rounds, planned)
    if statement.empty:
        return {}
    sql, params = statement.planned_received(
        "got.market_id, got.r, COUNT(*)", group_by=" GROUP BY got.market_id, got.r, got.v"
    )
    return {(market_id, statement.rounds[r]): count for market_id, r, count in _fetch(sql, params)}


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
