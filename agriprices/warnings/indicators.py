"""Seasonal price warnings, as pure functions of one series' monthly medians: WFP's Alert
for Price Spikes (ALPS) and FAO GIEWS' Indicator of Price Anomalies (IPA).

Every month is judged with the data known at its end (the months up to and including
it), as an analyst would have judged it then: a month's warning does not change when
later months arrive, and a warning sent to a farmer stays the one on record.

ALPS (WFP, Technical Guidance Note, April 2014). The monthly price is regressed (OLS,
``numpy.linalg.lstsq``) on a linear time trend and one term per calendar month; the fit
is the normal price P̂; ALPS = (P − P̂) / σ, σ the standard deviation of the residuals.
Its bands are in ``bands``, with WFP's thresholds. WFP computes it only for a
series of at least 3 years with at least 70 % of its months present and a price in the
last 6 months; below that the answer is "not enough history", never a normal band. The
6-month rule concerns the reader's today, so it is applied where warnings are read
(``RECENT_MONTHS``); here each month has a price by construction.

IPA (Baquedano, "Developing an indicator of price anomalies as an early warning tool: a
compound growth approach", FAO 2015). The compound quarterly growth rate
CQGR = (P_t / P_t−3)^(1/3) − 1 and the compound annual one CAGR = (P_t / P_t−12)^(1/12) − 1
are each compared with the same calendar month in the earlier years of the series:
IPA_x = (x − weighted mean) / weighted standard deviation. The two are combined as
IPA = γ·IPA_Q + (1 − γ)·IPA_A, γ the quarterly rate's share of the two variances, as the
note defines it. Its bands, as GIEWS publishes them, are in ``bands`` too.

Where the sources leave a choice, ours:
- σ of ALPS is the regression's standard error: the residuals' sum of squares over
  n − k, k the fitted terms (a plain standard deviation understates it in short series).
- The note weights the earlier years without fixing the weights for every use; we weigh
  earlier year k of n (oldest first) by k, so the reference follows a market's slow
  changes. IPA needs at least two earlier years with both rates for that calendar month.
- Prices are levels, not logarithms, for ALPS, as the guidance note writes it.
- σ is at least ``MIN_SPREAD_SHARE`` of the normal price. Not in WFP's note: a very
  steady series recorded to the whole som has a σ of rounding alone, and would call a
  1 % move a crisis; a farmer told "alert" hears of a price at least 5 % above normal,
  "crisis" at least 10 %. For the
  same reason the growth rates' standard deviation in IPA is at least
  ``MIN_GROWTH_SPREAD`` (a percentage point a month).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from agriprices.warnings import bands

#: ALPS needs this much history, this share of its months present.
MIN_MONTHS = 36
MIN_COVERAGE = 0.70
#: Months from one price to the next beyond which a series' history starts again: a
#: year with no price ends it (``history_start``).
MAX_GAP_MONTHS = 12
#: A series with no price in this many months says nothing about today.
RECENT_MONTHS = 6
#: FAO FPMA's rule: no warning is sent or shown for a series whose latest price is
#: older than this many months (``current_since``).
FPMA_MAX_AGE_MONTHS = 2
#: σ of ALPS is never taken below this share of the normal price.
MIN_SPREAD_SHARE = 0.05
MIN_GROWTH_SPREAD = 0.01
#: Earlier years of the same calendar month IPA compares with, at least.
MIN_IPA_YEARS = 2


@dataclass(frozen=True)
class Assessment:
    """What the two indicators make of one month of one series."""

    month: date
    price: float
    #: ALPS; None (with ``short_of``) when the series is too short or too sparse.
    normal: float | None
    spread: float | None  # σ of the residuals: ALPS bands begin at multiples of it
    alps: float | None
    alps_band: str
    #: IPA; None when the month lacks the prices it compares (3 and 12 months before).
    ipa: float | None
    ipa_band: str
    short_of: str  # why ALPS could not be computed: "" when it was

    @property
    def season(self) -> str:
        return bands.season(self.alps, self.ipa)


def current_since(today: date) -> date:
    """The oldest day a series' latest price may be of for its warning to be sent or
    shown (FAO FPMA: two months): the same day two months before ``today``, or the last
    day of that month when it is shorter."""
    number = month_number(today) - FPMA_MAX_AGE_MONTHS
    first = month_of(number)
    last_day = calendar.monthrange(first.year, first.month)[1]
    return first.replace(day=min(today.day, last_day))


def month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_of(number: int) -> date:
    return date(number // 12, number % 12 + 1, 1)


def assess(months: Sequence[tuple[date, float]], *, since: date | None = None) -> list[Assessment]:
    """Judge every month of a series (first days of months with their median price,
    in any order) from ``since`` on, each with the months of its history up to it
    (``history_start``). Oldest first."""
    prices = {month_number(day): float(price) for day, price in months if price > 0}
    if not prices:
        return []
    numbers = sorted(prices)
    start = month_number(since) if since else numbers[0]
    found, after_gap = [], 0
    for i, number in enumerate(numbers):
        after_gap = i if i and _breaks(numbers[i - 1], number) else after_gap
        if number >= start:
            known = numbers[: i + 1]
            found.append(_assess_month(prices, known[history_start(known, after_gap) :]))
    return found


def history_start(numbers: Sequence[int], after_gap: int | None = None) -> int:
    """Index in ``numbers`` (sorted month numbers) of the first month of the history the
    last one is judged with. Ours, not WFP's, so that a stray price never turns a judged
    series into "not enough history" nor bends its trend (one typed with the wrong year,
    1926 for 2026, or a market that stopped and started again):
    - a year with no price ends a history (MAX_GAP_MONTHS);
    - the history starts at the earliest month from which it is long and full enough
      (MIN_MONTHS, MIN_COVERAGE), so months before it that would make it too sparse are
      left out. When no start is, the whole history is kept and says why it falls short.
    ``after_gap``, when the caller knows it, is the index of the first month after the
    last gap (``assess`` walks the months once).
    """
    start = _after_last_gap(numbers) if after_gap is None else after_gap
    last = numbers[-1]
    for i in range(start, len(numbers)):
        span = last - numbers[i] + 1
        if span < MIN_MONTHS:
            break
        if (len(numbers) - i) / span >= MIN_COVERAGE:
            return i
    return start


def _after_last_gap(numbers: Sequence[int]) -> int:
    for i in range(len(numbers) - 1, 0, -1):
        if _breaks(numbers[i - 1], numbers[i]):
            return i
    return 0


def _breaks(month: int, next_month: int) -> bool:
    return next_month - month > MAX_GAP_MONTHS


def _assess_month(prices: dict[int, float], known: list[int]) -> Assessment:
    """The last of ``known`` (its history, oldest first) judged with the months before."""
    now = known[-1]
    price = prices[now]
    normal = spread = alps = None
    band, short_of = "", _short_of(known)
    if not short_of:
        normal, spread = _seasonal_trend(prices, known)
        alps = (price - normal) / spread
        band = bands.alps_band(alps)
    ipa = _ipa(prices, now, known[0])
    return Assessment(
        month=month_of(now),
        price=price,
        normal=normal,
        spread=spread,
        alps=alps,
        alps_band=band,
        ipa=ipa,
        ipa_band=bands.ipa_band(ipa) if ipa is not None else "",
        short_of=short_of,
    )


def _short_of(known: Sequence[int]) -> str:
    span = known[-1] - known[0] + 1
    if span < MIN_MONTHS:
        return f"{span} months of history, {MIN_MONTHS} needed"
    coverage = len(known) / span
    if coverage < MIN_COVERAGE:
        return f"{coverage:.0%} of months have a price, {MIN_COVERAGE:.0%} needed"
    if not any(n % 12 == known[-1] % 12 for n in known[:-1]):
        # Its calendar month's own term would fit it exactly: any price would be normal.
        return f"no {calendar.month_name[known[-1] % 12 + 1]} in earlier years"
    return ""


def _seasonal_trend(
    prices: dict[int, float], known: Sequence[int], at: int | None = None
) -> tuple[float, float]:
    """(normal price of month ``at``, by default the last known one; σ of the
    residuals): OLS of the price on a time trend and twelve calendar-month terms (they
    stand in for the intercept), fitted on the ``known`` months."""
    numbers = np.array(known)
    design = np.zeros((len(known), 13))
    design[np.arange(len(known)), numbers % 12] = 1.0
    design[:, 12] = numbers - numbers[0]
    observed = np.array([prices[n] for n in known])
    coefficients, _, rank, _ = np.linalg.lstsq(design, observed, rcond=None)
    fitted = design @ coefficients
    if at is None:
        normal = float(fitted[-1])
    else:
        row = np.zeros(13)
        row[at % 12], row[12] = 1.0, at - known[0]
        normal = float(row @ coefficients)
    spread = math.sqrt(float(np.sum((observed - fitted) ** 2)) / (len(known) - rank))
    return normal, max(spread, MIN_SPREAD_SHARE * abs(normal))


def normal_price(months: Sequence[tuple[date, float]], month: date) -> tuple[float, float] | None:
    """(normal price, σ) of ``month`` fitted from the series' ``months`` up to it,
    which must leave out the price being judged: the review queue sets a held price
    against what was normal without it (with it inside, a slipped decimal early in a
    month drags the normal up and looks a third as far off). ``month`` may be missing
    from ``months`` (no other price yet): the fit is then extended to it. None without
    the history ALPS needs."""
    target = month_number(month)
    prices = {n: float(p) for d, p in months if p > 0 and (n := month_number(d)) <= target}
    numbers = sorted({*prices, target})
    history = numbers[history_start(numbers) :]
    fitted = [n for n in history if n in prices]
    if _short_of(history) or not fitted:
        return None
    return _seasonal_trend(prices, fitted, at=target)


def _growth(prices: dict[int, float], number: int, lag: int) -> float | None:
    before = prices.get(number - lag)
    if before is None or number not in prices:
        return None
    return (prices[number] / before) ** (1 / lag) - 1


def _weighted(values: list[tuple[int, float]]) -> tuple[float, float]:
    """Weighted mean and standard deviation, earlier year k of n weighing k."""
    weights = np.arange(1, len(values) + 1, dtype=float)
    data = np.array([value for _, value in sorted(values)])
    mean = float(np.average(data, weights=weights))
    return mean, math.sqrt(float(np.average((data - mean) ** 2, weights=weights)))


def _ipa(prices: dict[int, float], now: int, first: int) -> float | None:
    """IPA of month ``now`` against the earlier years of its history (from ``first``)."""
    quarterly, annual = _growth(prices, now, 3), _growth(prices, now, 12)
    if quarterly is None or annual is None:
        return None
    past_q, past_a = [], []
    for earlier in range(now - 12, first - 1, -12):
        q, a = _growth(prices, earlier, 3), _growth(prices, earlier, 12)
        if q is not None and a is not None:
            past_q.append((earlier, q))
            past_a.append((earlier, a))
    if len(past_q) < MIN_IPA_YEARS:
        return None
    mean_q, sd_q = _weighted(past_q)
    mean_a, sd_a = _weighted(past_a)
    sd_q, sd_a = max(sd_q, MIN_GROWTH_SPREAD), max(sd_a, MIN_GROWTH_SPREAD)
    gamma = sd_q**2 / (sd_q**2 + sd_a**2)
    return gamma * (quarterly - mean_q) / sd_q + (1 - gamma) * (annual - mean_a) / sd_a
