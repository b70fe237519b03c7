"""How latency grows with the data: the bench data set generated at several sizes (100
thousand to 10 million quotes, one PostgreSQL database each, kept for the next run), and
at each size the latest-price and series answers uncached (what the database costs: the
first request after a price changed) and the signed SMS webhook under load from a
separate process. Latest prices and the webhook must stay flat: they read one row per
market, however many quotes lie behind it.

    BENCH_SCALING_SIZES=100000,1000000,10000000 python -m bench scaling

Each size runs in a process of its own (Django binds one database per process).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
from pathlib import Path

from bench import generate

ROOT = Path(__file__).resolve().parents[1]
Row = tuple[str, str, str]
DEFAULT_SIZES = "100000,1000000,5000000,10000000"
#: Uncached answers are measured this many times over every commodity.
ROUNDS = 3


def database_for(size: int) -> str:
    """The main bench database for the main bench size (made once, shared with the API
    benchmark), else one database per size."""
    main = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/agriprices_bench"
    )
    if size == int(os.environ.get("BENCH_QUOTES", 5_000_000)):
        return main
    return f"{main.rsplit('/', 1)[0]}/agriprices_scale_{size}"


def _spread(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median": round(statistics.median(ordered), 1),
        "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
    }


def measure(size: int) -> dict:
    """Generate (or reuse) the data set of ``size`` quotes and time the three answers."""
    from bench import api

    url = database_for(size)
    generate.ensure_database(url)
    generate.setup_django(url)
    made = generate.generate(size)
    from agriprices.models import Commodity, Quote

    slugs = list(Commodity.objects.values_list("slug", flat=True))
    latest = [f"/api/v1/prices/latest/?commodity={s}" for s in slugs] * ROUNDS
    series = [f"/api/v1/prices/series/?commodity={s}" for s in slugs] * ROUNDS
    latest_queries, latest_times = api.cold_requests(latest)
    series_queries, series_times = api.cold_requests(series)
    api.flush_cache()
    server = api.start_gunicorn(url)
    try:
        sms = api.load(["/sms/twilio/inbound/"], 1000, 2, "--twilio-token", api.TWILIO_TOKEN)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return {
        "quotes": Quote.objects.count(),
        "generated_seconds": made.get("seconds", 0.0),
        "latest": {**_spread(latest_times), "queries": max(latest_queries)},
        "series": {**_spread(series_times), "queries": max(series_queries)},
        "sms": {"median": sms["p50_ms"], "p99": sms["p99_ms"], "rps": sms["rps"]},
        "sms_statuses": sms["statuses"],
    }


def run() -> list[Row]:
    sizes = [int(s) for s in os.environ.get("BENCH_SCALING_SIZES", DEFAULT_SIZES).split(",")]
    results = []
    for size in sizes:
        done = subprocess.run(
            [sys.executable, "-m", "bench.scaling", str(size)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"scaling at {size:,} quotes failed:\n{done.stderr[-3000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows: list[Row] = []
    for name, key, goal in (
        ("latest prices of a commodity, uncached", "latest", "flat"),
        ("52-week series, all markets, uncached", "series", "grows at most with weeks"),
        ("signed SMS webhook under load", "sms", "flat"),
    ):
        for result in results:
            figure = result[key]
            extra = (
                f", {figure['queries']} queries"
                if "queries" in figure
                else f", {figure['rps']} req/s"
            )
            rows.append(
                (
                    f"scaling: {name} @ {result['quotes'] / 1e6:g}M quotes",
                    f"median {figure['median']} / p99 {figure['p99']} ms{extra}",
                    goal,
                )
            )
        first, last = results[0][key], results[-1][key]
        rows.append(
            (
                f"  {name}: {results[-1]['quotes'] / results[0]['quotes']:.0f}x the quotes",
                f"median x{last['median'] / first['median']:.2f}, "
                f"p99 x{last['p99'] / first['p99']:.2f}",
                goal,
            )
        )
    statuses = {r["quotes"]: r["sms_statuses"] for r in results}
    rows.append(("scaling: webhook statuses by size", json.dumps(statuses), "all 200"))
    return rows


if __name__ == "__main__":
    os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/14")
    print(json.dumps(measure(int(sys.argv[1]))))
