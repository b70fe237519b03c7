"""Benchmarks of the price core: import throughput, recording a price, and the reads
SMS replies and pages make. Each returns (name, figure, goal) rows."""

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agriprices import name_index
from agriprices.demo.catalogue import ensure_demo_catalogue
from agriprices.demo.prices import demo_rows
from agriprices.importers import import_price_rows, read_price_file
from agriprices.models import Commodity, Market, Quote
from agriprices.selectors.latest import latest_price, latest_prices
from agriprices.selectors.series import price_series
from agriprices.services.recording import record_quote

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
Row = tuple[str, str, str]


def _timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, result


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_seed() -> list[Row]:
    ensure_demo_catalogue()
    rows = list(demo_rows(timezone.localdate()))
    start = time.perf_counter()
    report = import_price_rows(rows)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    again = import_price_rows(rows)
    reimport = time.perf_counter() - start
    if report.created != len(rows) or again.unchanged != len(rows):
        raise RuntimeError(f"demo import went wrong: {report.summary()} / {again.summary()}")
    return [
        (f"demo import, {len(rows)} rows (2 years)", f"{len(rows) / seconds:,.0f} rows/s", "—"),
        ("demo re-import (all unchanged)", f"{len(rows) / reimport:,.0f} rows/s", "—"),
    ]


def bench_wfp_file() -> list[Row]:
    with (DATA / "wfp_food_prices_blr.csv").open(encoding="utf-8") as stream:
        rows = list(read_price_file(stream, "wfp"))
    start = time.perf_counter()
    report = import_price_rows(rows)
    seconds = time.perf_counter() - start
    return [(f"WFP Belarus file, {report.rows_read} rows", f"{seconds * 1000:,.0f} ms", "—")]


def bench_record_quote() -> list[Row]:
    user = get_user_model().objects.create_superuser("bench", password=None)
    commodity = Commodity.objects.select_related("base_unit").get(name="Potatoes")
    markets = list(Market.objects.all())
    today = timezone.localdate()
    counter = iter(range(10_000))

    def one() -> Quote:
        n = next(counter)
        return record_quote(
            agent=user,
            commodity=commodity,
            market=markets[n % len(markets)],
            unit=commodity.base_unit,
            price=Decimal("30") + n % 7,
            observed_on=today - timezone.timedelta(days=n // len(markets) % 700),
            source=Quote.Source.WEB,
            external_id=f"bench:{n}",
        )

    samples, _ = _timed(one, 300)
    return [
        (
            "record_quote (validate + store + latest)",
            f"p50 {_p(samples, 0.5):.1f} / p99 {_p(samples, 0.99):.1f} ms",
            "—",
        )
    ]


def bench_reads() -> list[Row]:
    commodity = Commodity.objects.get(name="Potatoes")
    osh = Market.objects.get(name="Osh")
    out: list[Row] = []
    cases = {
        "latest_prices(commodity) all markets": lambda: list(latest_prices(commodity=commodity)),
        "latest_price(commodity, market)": lambda: latest_price(commodity=commodity, market=osh),
        "price_series 52 weeks, all markets": lambda: price_series(commodity=commodity),
        "search_commodities('kartoshka')": lambda: name_index.search_commodities("kartoshka"),
        "search_commodities('potatos') (typo)": lambda: name_index.search_commodities("potatos"),
    }
    for name, fn in cases.items():
        fn()
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            fn()
        samples, _ = _timed(fn, 200)
        out.append(
            (
                f"{name} [{len(queries)} q]",
                f"p50 {_p(samples, 0.5):.2f} / p99 {_p(samples, 0.99):.2f} ms",
                "—",
            )
        )
    return out


def run_all() -> list[Row]:
    rows: list[Row] = []
    for bench in (bench_seed, bench_wfp_file, bench_record_quote, bench_reads):
        rows += bench()
    rows.append(("quotes in the database", f"{Quote.objects.count():,}", "—"))
    return rows
