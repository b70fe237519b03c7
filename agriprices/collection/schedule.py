"""The plan's calendar, as pure functions: which days are collection days, the state of
an expected price on one of them, and streaks of missed rounds. No database."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache

from django.utils.translation import gettext as _

from agriprices.validation import askable_days

RECEIVED = "received"
LATE = "late"
NOT_DUE = "not_due"
#: The states of an expected price, in the order pages list them.
STATES = (LATE, NOT_DUE, RECEIVED)


@dataclass(frozen=True)
class Schedule:
    """When a market's prices are collected: ``weekdays`` (Monday = 0), or every
    ``every_days`` days from ``starts_on``, the first collection day (none before it);
    a price within ``tolerance`` days of a collection day counts for it."""

    weekdays: tuple[int, ...] = ()
    every_days: int | None = None
    starts_on: date | None = None
    tolerance: int = 1

    def __post_init__(self) -> None:
        if not self.weekdays and not (self.every_days and self.starts_on):
            raise ValueError("a schedule needs weekdays, or every N days from a first day")

    @cached_property  # a report asks it of every market's schedule, again and again
    def cycle_days(self) -> int:
        """The longest wait between two collection days (7 for a weekly plan, 3 for
        Tuesday and Friday)."""
        if self.every_days:
            return self.every_days
        days = sorted(set(self.weekdays))
        gaps = [b - a for a, b in zip(days, days[1:], strict=False)] + [days[0] + 7 - days[-1]]
        return max(gaps)

    def is_collection_day(self, day: date) -> bool:
        if self.every_days and self.starts_on:
            return day >= self.starts_on and (day - self.starts_on).days % self.every_days == 0
        return day.weekday() in self.weekdays

    def days(self, start: date, end: date) -> list[date]:
        """The collection days from ``start`` to ``end``, both included, oldest first."""
        if end < start:
            return []
        if self.every_days and self.starts_on:
            start = max(start, self.starts_on)
            offset = (start - self.starts_on).days % self.every_days
            first = start + timedelta(days=(self.every_days - offset) % self.every_days)
            count = (end - first).days // self.every_days + 1 if first <= end else 0
            return [first + timedelta(days=i * self.every_days) for i in range(count)]
        # Each weekday's first date from ``start``, then a week at a time: reports ask
        # for weeks and months of every market, so the days are not tested one by one.
        found = []
        for weekday in set(self.weekdays):
            day = start + timedelta(days=(weekday - start.weekday()) % 7)
            while day <= end:
                found.append(day)
                day += timedelta(days=7)
        return sorted(found)

    def window(self, day: date) -> tuple[date, date]:
        """The days whose prices count for the collection day ``day``."""
        return day - timedelta(days=self.tolerance), day + timedelta(days=self.tolerance)

    def round_of(self, seen: date) -> date | None:
        """The collection day a price of ``seen`` counts for: the nearest one within the
        tolerance, the earlier of two as near (a Tuesday price between Monday's and
        Wednesday's rounds is Monday's), so no price counts twice. None: no round's.
        The rule of one schedule; across a plan change, ``PlanHistory.round_of``."""
        reach = timedelta(days=self.tolerance)
        return nearest(seen, self.days(seen - reach, seen + reach))

    def counting_days(self, day: date) -> tuple[date, ...]:
        """The days whose prices count for the round of the collection day ``day``: the
        days of its window that are not nearer another round (``day`` itself always)."""
        return _counting_days(self, day)

    def closes_on(self, day: date) -> date:
        """The day the round of ``day`` closes: the first after it whose prices no
        longer count for it (the day after its last counting day, which a nearer round
        may make earlier than the end of its window)."""
        return self.counting_days(day)[-1] + timedelta(days=1)

    def last_rounds(self, today: date, count: int) -> list[date]:
        """The ``count`` newest collection days whose round has closed by ``today``,
        newest first."""
        newest = today - timedelta(days=1)
        span = self.cycle_days * (count + 1) + self.tolerance
        days = self.days(newest - timedelta(days=span), newest)
        return [day for day in reversed(days) if self.closes_on(day) <= today][:count]


def nearest(seen: date, days: Iterable[date]) -> date | None:
    """Of the collection days ``days`` within reach of a price of ``seen``, the one it
    counts for: the nearest, the earlier of two as near. None when there is none."""
    return min(days, key=lambda day: (abs((day - seen).days), day), default=None)


@lru_cache(maxsize=65536)  # reports ask it of every round of every market, again and again
def _counting_days(schedule: Schedule, day: date) -> tuple[date, ...]:
    low, high = schedule.window(day)
    return tuple(
        seen
        for seen in (low + timedelta(days=n) for n in range((high - low).days + 1))
        if schedule.round_of(seen) == day
    )


def state_of(*, closes_on: date, today: date, received: bool) -> str:
    """An expected price of a collection day: received (a price counting for its
    round), late (the round closed without one: ``closes_on``, the first day whose
    prices no longer count for it, has come) or not yet due (a price may still come).
    ``Schedule.closes_on`` and ``PlanHistory.closes_on`` say when a round closes."""
    if received:
        return RECEIVED
    if today >= closes_on:
        return LATE
    return NOT_DUE


def streak(missed_newest_first: Sequence[bool]) -> int:
    """How many rounds in a row, from the newest closed one back, were missed."""
    count = 0
    for missed in missed_newest_first:
        if not missed:
            break
        count += 1
    return count


@dataclass(frozen=True)
class Period:
    """The days a completeness report covers, and how it was asked for (``label``:
    2026-12-03, 2026-W49 or 2026-12)."""

    start: date
    end: date
    label: str
    kind: str = "day"  # day, week or month


def day_period(day: date) -> Period:
    return Period(day, day, day.isoformat(), "day")


def week_period(year: int, week: int) -> Period:
    """ISO week ``week`` of ``year``; raises ValueError for a week that does not exist."""
    start = date.fromisocalendar(year, week, 1)
    return Period(start, start + timedelta(days=6), f"{year}-W{week:02d}", "week")


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(start, following - timedelta(days=1), f"{year}-{month:02d}", "month")


def week_of(day: date) -> Period:
    year, week, _ = day.isocalendar()
    return week_period(year, week)


class PeriodError(ValueError):
    """A day, week or month that cannot be asked about; ``message`` says why, for the
    reader (the caller names the parameter)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ASCII digits only: \d is any script's digit (２０２６, ٢٠٢٦), and int() reads them.
_FORMS = {
    "day": (re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"), "2026-12-03"),
    "week": (re.compile(r"([0-9]{4})-W([0-9]{2})"), "2026-W49"),
    "month": (re.compile(r"([0-9]{4})-([0-9]{2})"), "2026-12"),
}


def read_period(kind: str, text: str, *, today: date) -> Period:
    """``text`` as a day (``2026-12-03``), an ISO week (``2026-W49``) or a month
    (``2026-12``), ``kind`` saying which: the one rule for reading them, whoever asks
    (the API, the collection page, the reminders' command). Raises ``PeriodError`` for
    text of another form, a day, week or month that does not exist, or one outside the
    days prices may be asked about (``validation.askable_days``)."""
    pattern, example = _FORMS[kind]
    match = pattern.fullmatch(text.strip())
    if match is None:
        written = {"day": "YYYY-MM-DD", "week": "YYYY-Www", "month": "YYYY-MM"}[kind]
        raise PeriodError(
            _("“%(text)s” is not written as %(form)s, e.g. %(example)s.")
            % {"text": text[:40], "form": written, "example": example}
        )
    year, *rest = (int(group) for group in match.groups())
    earliest, latest = askable_days(today)
    if not earliest.year <= year <= latest.year:
        raise _outside(text, earliest, latest)
    try:
        if kind == "day":
            period = day_period(date(year, rest[0], rest[1]))
        elif kind == "week":
            period = week_period(year, rest[0])
        else:
            period = month_period(year, rest[0])
    except ValueError:
        raise PeriodError(_("%(text)s does not exist.") % {"text": text[:40]}) from None
    if period.end < earliest or period.start > latest:
        raise _outside(text, earliest, latest)
    return period


def _outside(text: str, earliest: date, latest: date) -> PeriodError:
    return PeriodError(
        _("%(text)s is outside %(first)s to %(last)s.")
        % {"text": text[:40], "first": earliest.isoformat(), "last": latest.isoformat()}
    )
