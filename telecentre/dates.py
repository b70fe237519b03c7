"""Dates as people read them in each language: the month by name, never 12/01/2026,
which a French or Kyrgyz reader takes for the 12th of January. CSV and the API keep ISO
dates."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

#: Month names as a date is read in each language ("1 Dec", "1 déc.", "1 дек.", "1-дек.").
MONTHS = (
    pgettext_lazy("month in a date", "Jan"),
    pgettext_lazy("month in a date", "Feb"),
    pgettext_lazy("month in a date", "Mar"),
    pgettext_lazy("month in a date", "Apr"),
    pgettext_lazy("month in a date", "May"),
    pgettext_lazy("month in a date", "Jun"),
    pgettext_lazy("month in a date", "Jul"),
    pgettext_lazy("month in a date", "Aug"),
    pgettext_lazy("month in a date", "Sep"),
    pgettext_lazy("month in a date", "Oct"),
    pgettext_lazy("month in a date", "Nov"),
    pgettext_lazy("month in a date", "Dec"),
)


def day(value: date | datetime) -> str:
    """The day and the month by name, and the year only when it is not this year's."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    name = str(MONTHS[value.month - 1])
    if value.year == timezone.localdate().year:
        return pgettext("day and month", "{day} {month}").format(day=value.day, month=name)
    return pgettext("day, month and year", "{day} {month} {year}").format(
        day=value.day, month=name, year=value.year
    )


def month(value: date) -> str:
    """ "Nov 2026"."""
    return pgettext("month and year", "{month} {year}").format(
        month=MONTHS[value.month - 1], year=value.year
    )


def month_tick(value: date, *, with_year: bool) -> str:
    """A chart's month label: "Dec", or "Jan 2026" where a year begins (a two-digit
    year reads as a day: "Oct 26")."""
    return month(value) if with_year else str(MONTHS[value.month - 1])


#: Month names as they follow "the usual price for" (Russian takes the genitive:
#: "обычной для ноября"; Kyrgyz the bare name before "айынын").
MONTHS_USUAL_FOR = (
    pgettext_lazy("the usual price for <month>", "January"),
    pgettext_lazy("the usual price for <month>", "February"),
    pgettext_lazy("the usual price for <month>", "March"),
    pgettext_lazy("the usual price for <month>", "April"),
    pgettext_lazy("the usual price for <month>", "May"),
    pgettext_lazy("the usual price for <month>", "June"),
    pgettext_lazy("the usual price for <month>", "July"),
    pgettext_lazy("the usual price for <month>", "August"),
    pgettext_lazy("the usual price for <month>", "September"),
    pgettext_lazy("the usual price for <month>", "October"),
    pgettext_lazy("the usual price for <month>", "November"),
    pgettext_lazy("the usual price for <month>", "December"),
)


def month_usual_for(value: date) -> str:
    return str(MONTHS_USUAL_FOR[value.month - 1])
