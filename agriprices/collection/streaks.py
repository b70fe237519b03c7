"""Streaks of missed rounds: how many closed collection rounds in a row, from the newest
back, got no price at a market (it went unvisited), and for an agent, got none at any of
the markets they answer for that collected that day. Each round is judged by the version
of the market's plan in force on its day. Read from the database in two queries at most,
whatever the number of markets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from agriprices.collection import schedule as sched
from agriprices.collection.plans import MarketPlan, PlanHistory
from agriprices.collection.received import Key, Rounds, visited_rounds

#: Closed rounds looked back at for the streaks; a longer streak reads "8+".
STREAK_ROUNDS = 8


def shown(streak: int) -> str:
    """A streak as people read it: the longest counted reads "8+", as more rounds may
    have been missed before."""
    return f"{streak}+" if streak >= STREAK_ROUNDS else str(streak)


def last_rounds(history: PlanHistory, today: date, count: int) -> list[tuple[date, MarketPlan]]:
    """The market's ``count`` newest collection days whose round closed by ``today``
    (``PlanHistory.closes_on``: no later day's price counts for it), newest first,
    each with the version that judges it; it stops at a version that expects nothing
    (the market was not expected to report then)."""
    found: list[tuple[date, MarketPlan]] = []
    versions = history.versions
    for n in range(len(versions) - 1, -1, -1):
        version = versions[n]
        if version.effective_from is not None and version.effective_from > today:
            continue
        if not version.items:
            break
        schedule = version.schedule
        # A round closes on its day at the earliest, a day after its window at the latest.
        newest = today - timedelta(days=1)
        following = versions[n + 1].effective_from if n + 1 < len(versions) else None
        if following is not None:
            newest = min(newest, following - timedelta(days=1))
        oldest = newest - timedelta(
            days=schedule.cycle_days * (count - len(found) + 1) + schedule.tolerance
        )
        if version.effective_from is not None:
            oldest = max(oldest, version.effective_from)
        closed = False
        for day in reversed(schedule.days(oldest, newest)):
            # Rounds close in the order of their days (a day's price counts for the
            # nearest): once one has closed, every older one has too.
            closed = closed or history.closes_on(version, day) <= today
            if not closed:
                continue  # a price may still come
            found.append((day, version))
            if len(found) == count:
                return found
    return found


def missed_streaks(
    histories: dict[int, PlanHistory], today: date, agent_ids: Iterable[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """Rounds missed in a row, newest first, per market and per agent, up to
    ``STREAK_ROUNDS`` each (an agent's rounds are the collection days of all the markets
    they answer for, merged by day; they missed one when every market of theirs
    collecting that day got none of its prices), each round judged by the version in
    force on its day. Two queries at most."""
    rounds: dict[int, list[tuple[date, MarketPlan]]] = {
        pk: last_rounds(history, today, STREAK_ROUNDS)
        for pk, history in histories.items()
        if any(version.items for version in history.versions)
    }
    # A market visited in its newest round has no streak, and its agents none either
    # (a round where one of their markets got a price is not one they missed), so the
    # older rounds are asked about only at the markets that missed the newest: most
    # markets, most days, are read once.
    newest = {pk: rows[:1] for pk, rows in rounds.items()}
    visited = visited_rounds(_asked(newest, histories))
    older = {
        pk: rows[1:] for pk, rows in rounds.items() if rows and (pk, rows[0][0]) not in visited
    }
    visited |= visited_rounds(_asked(older, histories))
    # Each market's rounds, newest first, down to the first it was visited in: the
    # streaks stop there, and the older ones were not asked about.
    missed: dict[int, list[tuple[date, bool, MarketPlan]]] = {}
    for market_id, market_rounds in rounds.items():
        kept = missed[market_id] = []
        for day, version in market_rounds:
            kept.append((day, (market_id, day) not in visited, version))
            if not kept[-1][1]:
                break
    market_streaks = {pk: sched.streak([m for _, m, _ in rows]) for pk, rows in missed.items()}
    # An agent's round is a collection day of their markets; they missed it when every
    # market of theirs collecting that day got nothing.
    wanted = set(agent_ids)
    answerable: dict[int, set[int]] = {}
    per_agent: dict[int, dict[date, bool]] = defaultdict(dict)
    for rows in missed.values():
        for day, was_missed, version in rows:
            if id(version) not in answerable:
                answerable[id(version)] = {
                    a for item in version.items for a in item.agent_ids if a in wanted
                }
            for agent_id in answerable[id(version)]:
                by_day = per_agent[agent_id]
                by_day[day] = by_day.get(day, True) and was_missed
    # Their rounds over all their markets, merged by day, newest back: the newest
    # STREAK_ROUNDS of them are each among the newest STREAK_ROUNDS of its market, all
    # read (but those older than a visited round, where the streak stops anyway).
    agent_streaks = {
        agent_id: sched.streak(
            [by_day[day] for day in sorted(by_day, reverse=True)][:STREAK_ROUNDS]
        )
        for agent_id, by_day in per_agent.items()
    }
    return market_streaks, agent_streaks


def _asked(
    rounds: dict[int, list[tuple[date, MarketPlan]]], histories: dict[int, PlanHistory]
) -> dict[Key, Rounds]:
    """Rounds (each with the version judging it) as the database matches them: per
    market, a stretch per version."""
    asked: dict[Key, Rounds] = {}
    for pk, market_rounds in rounds.items():
        by_version: dict[int, list[date]] = defaultdict(list)
        versions: dict[int, MarketPlan] = {}
        for day, version in market_rounds:
            by_version[id(version)].append(day)
            versions[id(version)] = version
        for n, (key, days) in enumerate(by_version.items()):
            version = versions[key]
            ordered = tuple(sorted(days))
            asked[(pk, n)] = Rounds(
                version.schedule,
                ordered,
                histories[pk].counted_near_changes(version, ordered),
            )
    return asked
