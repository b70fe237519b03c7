"""The nightly price warnings (WFP's ALPS, FAO's IPA) over the bench data set (5 million
quotes in PostgreSQL): every series computed from scratch (the first run, or after the
method changes), then a run with nothing changed, then the nightly run after 1 % of the
series received a price. Seconds and the process's peak memory. Goal: the full run under
10 minutes on 2 cores.

Then a backtest of the two indicators over the real WFP file in the tests' data (every
price as if approved): how often each band fires, per commodity."""

from __future__ import annotations

import resource
import time
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

Row = tuple[str, str, str]
DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run() -> list[Row]:
    from django.utils import timezone

    from agriprices.models import PriceSummary, Quote
    from agriprices.warnings.computation import refresh_warnings
    from agriprices.warnings.models import PriceWarning, WarningRun

    rows: list[Row] = []
    before_mb = _peak_mb()
    series = PriceSummary.objects.filter(period="month").values(
        "commodity_id", "market_id", "price_type"
    )
    total_series = series.distinct().count()
    months = PriceSummary.objects.filter(period="month").count()
    PriceWarning.objects.all().delete()
    WarningRun.objects.all().delete()

    started = time.perf_counter()
    first = refresh_warnings()
    full = time.perf_counter() - started
    rows.append(
        (
            f"full run: {total_series:,} series, {months:,} months",
            f"{full:.1f} s, {first.changed:,} rows written, peak {_peak_mb():.0f} MB "
            f"(+{_peak_mb() - before_mb:.0f})",
            "< 600 s on 2 cores",
        )
    )
    started = time.perf_counter()
    again = refresh_warnings()
    rows.append(
        (
            "full run again, nothing changed",
            f"{time.perf_counter() - started:.1f} s, {again.changed} rows written",
            "writes nothing",
        )
    )
    # The nightly run: 1 % of the series got a price since the last run.
    keys = list(series.distinct().order_by("commodity_id", "market_id")[: total_series // 100])
    touched = [
        Quote.objects.filter(**key, status=Quote.Status.APPROVED)
        .order_by("-observed_on")
        .values_list("pk", flat=True)
        .first()
        for key in keys
    ]
    Quote.objects.filter(pk__in=[pk for pk in touched if pk]).update(updated_at=timezone.now())
    started = time.perf_counter()
    nightly = refresh_warnings(only_changed=True)
    rows.append(
        (
            f"nightly run, {len(keys)} series changed",
            f"{time.perf_counter() - started:.1f} s ({nightly.series} series recomputed)",
            "seconds",
        )
    )
    counts = Counter(PriceWarning.objects.values_list("alps_band", flat=True))
    rows.append(
        (
            "bench months by ALPS band",
            ", ".join(f"{band or 'not enough history'} {n:,}" for band, n in counts.items()),
            "—",
        )
    )
    rows.append(worst_case(total_series))
    rows += backtest()
    return rows


def worst_case(series: int, months: int = 60) -> Row:
    """The indicators alone where every month is judged: ``series`` series of five years
    each (the bench data's are younger, so most of their months are "not enough
    history", which costs nothing)."""
    import math
    import random

    from agriprices.warnings.indicators import assess, month_number, month_of

    rng = random.Random(7)
    start = month_number(date(2021, 1, 1))
    data = [
        [
            (
                month_of(start + i),
                30 * (1 + 0.2 * math.cos(i / 1.9)) * rng.uniform(0.95, 1.05),
            )
            for i in range(months)
        ]
        for _ in range(series)
    ]
    started = time.perf_counter()
    judged = sum(len(assess(one)) for one in data)
    seconds = time.perf_counter() - started
    return (
        f"indicators alone: {series:,} series × {months} months, {judged:,} months",
        f"{seconds:.1f} s ({seconds / judged * 1e6:.0f} µs a month)",
        "< 600 s with the writes",
    )


def backtest() -> list[Row]:
    """ALPS and IPA bands over the monthly medians of the WFP file, per commodity."""
    from agriprices.importers.readers import read_wfp
    from agriprices.periods import summarize
    from agriprices.warnings import bands
    from agriprices.warnings.indicators import assess

    prices: dict[str, list] = defaultdict(list)
    with (DATA / "wfp_food_prices_blr.csv").open(encoding="utf-8", newline="") as stream:
        for row in read_wfp(stream):
            prices[row.commodity].append((date.fromisoformat(row.observed_on), Decimal(row.price)))
    rows: list[Row] = []
    for commodity, observed in sorted(prices.items()):
        monthly = [(s.period_start, float(s.median)) for s in summarize(observed, "month")]
        judged = assess(monthly)
        alps = Counter(a.alps_band or "not enough history" for a in judged)
        ipa = Counter(a.ipa_band for a in judged if a.ipa is not None)
        rows.append(
            (
                f"backtest WFP Belarus: {commodity} ({len(judged)} months)",
                "ALPS "
                + ", ".join(
                    f"{b} {alps[b]}"
                    for b in [*bands.names(bands.ALPS), "not enough history"]
                    if alps[b]
                )
                + "; IPA "
                + ", ".join(f"{b} {ipa[b]}" for b in bands.names(bands.IPA) if ipa[b]),
                "—",
            )
        )
    return rows
