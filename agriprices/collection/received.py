"""Which planned prices came for which collection round, matched in the database so that
no quote row comes back to Python: per market and round, the planned (commodity, price
type) pairs that got a price (``received_pairs``) or only how many did
(``received_counts``), and which rounds got any price of the market at all
(``visited_rounds``, for the streaks).

A price counts when it is held for review or approved (not rejected) and recorded on a
day whose round it is: Python sends the calendar, each day of a round's window with the
round ``Schedule.round_of`` gives it (the rule stays in one place), and the database
joins the quotes to it. The calendar is per schedule and the planned pairs per set of
pairs, both shared by the markets that have the same, so the statement stays small:
SQLite takes at most 32,766 parameters, and only days and price types are parameters;
ids are integers written in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection

from agriprices.collection.schedule import Schedule
from agriprices.models import Quote

QUOTES = Quote._meta.db_table

#: A planned price at a market: (commodity id, price type).
Pair = tuple[int, str]


@dataclass(frozen=True)
class Rounds:
    """A market's collection days asked about, under its schedule."""

    schedule: Schedule
    days: tuple[date, ...]


class _Statement:
    """The tables the queries join the quotes to, as common table expressions: ``days``
    (a day index and its date), ``calendar`` (schedule s: a price of day d counts for
    the round on day r), ``chosen`` (a market, its schedule s and its set i of planned
    pairs), ``types`` and ``wanted`` (set i plans commodity c with price type t)."""

    def __init__(
        self, rounds: Mapping[int, Rounds], planned: Mapping[int, Iterable[Pair]] | None
    ) -> None:
        self.days: list[date] = []
        index: dict[date, int] = {}

        def day_index(day: date) -> int:
            if day not in index:
                index[day] = len(self.days)
                self.days.append(day)
            return index[day]

        calendars: dict[Rounds, int] = {}
        self.calendar: list[tuple[int, int, int]] = []
        for market_rounds in rounds.values():
            if market_rounds in calendars:
                continue
            s = calendars[market_rounds] = len(calendars)
            schedule = market_rounds.schedule
            for day in market_rounds.days:
                low, high = schedule.window(day)
                for n in range((high - low).days + 1):
                    seen = low + timedelta(days=n)
                    if schedule.round_of(seen) == day:
                        self.calendar.append((s, day_index(seen), day_index(day)))
        self.types: list[str] = []
        sets: dict[frozenset[Pair], int] = {}
        self.wanted: list[tuple[int, int, int]] = []
        self.chosen: list[tuple[int, int, int]] = []
        for market_id, market_rounds in rounds.items():
            pairs = frozenset(planned.get(market_id, ()) if planned is not None else ())
            if planned is not None and not pairs:
                continue
            if pairs not in sets:
                i = sets[pairs] = len(sets)
                for commodity_id, price_type in sorted(pairs):
                    if price_type not in self.types:
                        self.types.append(price_type)
                    self.wanted.append((i, commodity_id, self.types.index(price_type)))
            self.chosen.append((market_id, calendars[market_rounds], sets[pairs]))

    @property
    def empty(self) -> bool:
        return not self.calendar or not self.chosen

    def tables(self, *, planned: bool) -> tuple[str, list[Any]]:
        """The ``WITH`` clause, and its parameters: the days and the price types."""
        params: list[Any] = [connection.ops.adapt_datefield_value(d) for d in self.days]
        tables = [
            "days(d, observed_on) AS (VALUES "
            + ", ".join(f"({n}, %s)" for n in range(len(self.days)))
            + ")",
            f"calendar(s, d, r) AS (VALUES {_values(self.calendar)})",
            f"chosen(market_id, s, i) AS (VALUES {_values(self.chosen)})",
        ]
        if planned:
            tables.append(
                "types(t, price_type) AS (VALUES "
                + ", ".join(f"({n}, %s)" for n in range(len(self.types)))
                + ")"
            )
            params.extend(self.types)
            tables.append(f"wanted(i, commodity_id, t) AS (VALUES {_values(self.wanted)})")
        return "WITH " + ", ".join(tables), params

    def planned_received(self) -> tuple[str, list[Any]]:
        """Each planned pair of a chosen market with a price counting for one of its
        rounds, once: market_id, commodity_id, price_type, r."""
        tables, params = self.tables(planned=True)
        sql = (
            # S608: what is written in is the table's name and integers (``_values``).
            f"{tables} SELECT DISTINCT q.market_id, q.commodity_id, q.price_type, calendar.r"  # noqa: S608
            f" FROM {QUOTES} q"
            " JOIN chosen ON chosen.market_id = q.market_id"
            " JOIN days ON days.observed_on = q.observed_on"
            " JOIN calendar ON calendar.s = chosen.s AND calendar.d = days.d"
            " JOIN types ON types.price_type = q.price_type"
            " JOIN wanted ON wanted.i = chosen.i AND wanted.t = types.t"
            " AND wanted.commodity_id = q.commodity_id"
            " WHERE q.status <> %s"
        )
        return sql, [*params, Quote.Status.REJECTED]


def _values(rows: Iterable[tuple[int, ...]]) -> str:
    # int() makes each value safe to write into the statement.
    return ", ".join("(" + ", ".join(str(int(v)) for v in row) + ")" for row in rows)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def received_pairs(
    rounds: Mapping[int, Rounds], planned: Mapping[int, Iterable[Pair]]
) -> dict[tuple[int, date], set[Pair]]:
    """For each (market, collection day), the pairs planned there that got a price
    counting for that round. One query; rows: the pairs received."""
    statement = _Statement(rounds, planned)
    if statement.empty:
        return {}
    sql, params = statement.planned_received()
    found: dict[tuple[int, date], set[Pair]] = defaultdict(set)
    for market_id, commodity_id, price_type, r in _fetch(sql, params):
        found[(market_id, statement.days[r])].add((commodity_id, price_type))
    return dict(found)


def received_counts(
    rounds: Mapping[int, Rounds], planned: Mapping[int, Iterable[Pair]]
) -> dict[tuple[int, date], int]:
    """For each (market, collection day), how many of the pairs planned there got a
    price counting for that round. One query; rows: the rounds with any."""
    statement = _Statement(rounds, planned)
    if statement.empty:
        return {}
    inner, params = statement.planned_received()
    sql = f"SELECT market_id, r, COUNT(*) FROM ({inner}) got GROUP BY market_id, r"  # noqa: S608
    return {(market_id, statement.days[r]): count for market_id, r, count in _fetch(sql, params)}


def visited_rounds(rounds: Mapping[int, Rounds]) -> set[tuple[int, date]]:
    """The (market, collection day) rounds with any price of the market counting for
    them, planned or not. One query."""
    statement = _Statement(rounds, None)
    if statement.empty:
        return set()
    tables, params = statement.tables(planned=False)
    # A day is asked once per market and stops at its first price: no quote is read
    # beyond that.
    sql = (
        f"{tables} SELECT DISTINCT chosen.market_id, calendar.r FROM chosen"  # noqa: S608
        " JOIN calendar ON calendar.s = chosen.s JOIN days ON days.d = calendar.d"
        f" WHERE EXISTS (SELECT 1 FROM {QUOTES} q WHERE q.market_id = chosen.market_id"
        " AND q.observed_on = days.observed_on AND q.status <> %s)"
    )
    params.append(Quote.Status.REJECTED)
    return {(market_id, statement.days[r]) for market_id, r in _fetch(sql, params)}
