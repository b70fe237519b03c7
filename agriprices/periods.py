"""Weeks and months of prices, as pure functions: which period a day falls in, and the
summary (median, lowest, highest, count) of the prices in one."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

PERIODS = ("week", "month")


def period_start(day: date, period: str) -> date:
    """Monday of the day's week, or the first of its month."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")


def period_end(day: date, period: str) -> date:
    """Last day of the period the day falls in."""
    start = period_start(day, period)
    if period == "week":
        return start + timedelta(days=6)
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


@dataclass(frozen=True)
class Summary:
    period_start: date
    median: Decimal
    low: Decimal
    high: Decimal
    count: int


def summarize(prices: Iterable[tuple[date, Decimal]], period: str) -> list[Summary]:
    """One summary per period that has prices, oldest first."""
    buckets: dict[date, list[Decimal]] = defaultdict(list)
    for day, value in prices:
        buckets[period_start(day, period)].append(value)
    return [
        Summary(
            period_start=start,
            median=Decimal(statistics.median(values)).quantize(Decimal("0.0001")),
            low=min(values),
            high=max(values),
            count=len(values),
        )
        for start, values in sorted(buckets.items())
    ]
