"""API latency with the bench data set in PostgreSQL: gunicorn serves, a separate load
process (bench.load) measures. Also counts the queries each request makes. The SMS
webhook has a benchmark of its own (bench/sms.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Another checkout's benchmark may hold the default port: BENCH_PORT moves this one.
PORT = int(os.environ.get("BENCH_PORT", "8099"))
TWILIO_TOKEN = "bench-twilio-token-not-a-secret"
USSD_KEY = "bench-ussd-key-not-a-secret"
Row = tuple[str, str, str]


def _server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_READ_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
        # As in production: one cache shared by the web processes.
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14"),
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "USSD_CALLBACK_KEY": USSD_KEY,
        "SMS_MAX_QUERIES_PER_HOUR": "100000",
    }


def flush_cache() -> None:
    import redis

    redis.Redis.from_url(os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14")).flushdb()


def start_gunicorn(
    url: str,
    workers: int = 2,
    settings_module: str = "config.settings",
    extra_env: dict[str, str] | None = None,
    access_log: Path | None = None,
) -> subprocess.Popen:
    """gunicorn serving ``url``'s database on PORT; with ``access_log``, each request's
    path and server time (µs, from its arrival at a worker to its last byte) written
    there, for ``server_times``."""
    logged = (
        ["--access-logfile", str(access_log), "--access-logformat", "%(U)s %(D)s"]
        if access_log is not None
        else []
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            *logged,
        ],
        cwd=ROOT,
        env={**_server_env(url), "DJANGO_SETTINGS_MODULE": settings_module, **(extra_env or {})},
    )
    for _ in range(100):
        if server.poll() is not None:  # e.g. the port is taken: never measure another server
            raise SystemExit(f"gunicorn exited ({server.returncode}); is port {PORT} taken?")
        try:
            probe = urllib.request.Request(
                f"http://127.0.0.1:{PORT}/api/v1/regions/",
                headers={"X-Forwarded-Proto": "https"},
            )
            urllib.request.urlopen(probe, timeout=2)  # noqa: S310 - loopback, our server
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def server_times(access_log: Path, path: str, last: int) -> dict[str, float]:
    """p50 and p99 (ms) of the server time of the ``last`` requests for ``path`` in an
    access log written by ``start_gunicorn`` (those the load process timed, after its
    warm-up): what the server spent, without the client's side of the round trip."""
    from bench.load import percentile

    times = [
        int(micros) / 1000
        for line in access_log.read_text().splitlines()
        for logged_path, micros in [line.rsplit(" ", 1)]
        if logged_path == path
    ]
    if len(times) < last:
        raise RuntimeError(f"{len(times)} requests for {path} in {access_log}, not {last}")
    timed = sorted(times[-last:])
    return {"p50_ms": percentile(timed, 0.50), "p99_ms": percentile(timed, 0.99)}


def load(paths: list[str], requests: int, concurrency: int = 2, *extra: str) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load",
            f"http://127.0.0.1:{PORT}",
            *paths,
            "--requests",
            str(requests),
            "--concurrency",
            str(concurrency),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def load_in_background(paths: list[str], requests: int, *extra: str) -> subprocess.Popen:
    """bench.load in a process of its own, for loads that run at the same time."""
    return subprocess.Popen(
        [sys.executable, "-m", "bench.load", f"http://127.0.0.1:{PORT}", *paths]
        + ["--requests", str(requests), "--concurrency", "2", *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def cold_requests(paths: list[str]) -> tuple[list[int], list[float]]:
    """Query count and time of each path answered in-process with an empty cache: the
    cost of the first request after a price changed. Django resets its query log at each
    request, so queries are counted as they execute."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    counts, times = [], []
    for path in paths:
        cache.clear()
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        counts.append(len(executed))
    return counts, sorted(times)


def run(url: str) -> list[Row]:
    from agriprices.models import Commodity, LatestPrice, Market, Quote

    slugs = list(Commodity.objects.values_list("slug", flat=True))
    quotes = Quote.objects.count()
    markets = Market.objects.count()
    latest = [f"/api/v1/prices/latest/?commodity={s}" for s in slugs]
    series = [f"/api/v1/prices/series/?commodity={s}" for s in slugs]
    by_market = [
        f"/api/v1/prices/latest/?market={m}"
        for m in Market.objects.values_list("slug", flat=True)[:50]
    ]
    cold = {
        "latest": cold_requests(latest),
        "latest_few": cold_requests([f"{p}&region=osh" for p in latest]),
        "series": cold_requests(series),
    }
    rows_per_latest = LatestPrice.objects.filter(commodity__slug=slugs[0]).count()
    flush_cache()
    server = start_gunicorn(url)
    try:
        results = {
            "latest": load(latest, 2000),
            "latest_market": load(by_market, 2000),
            "series": load(series, 200),
        }
        results["trivial"] = load(["/healthz"], 3000)
        # USSD answers while the latest-prices load runs beside them (two load processes).
        api_load = load_in_background(latest, 3000)
        results["ussd"] = load(["/ussd/africastalking/"], 1500, 2, "--ussd-key", USSD_KEY)
        results["latest_beside_ussd"] = json.loads(api_load.communicate(timeout=600)[0])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    size = f"{quotes / 1e6:.1f}M quotes, {markets} markets, PostgreSQL, gunicorn 2 workers"

    def figure(r: dict) -> str:
        return f"p50 {r['p50_ms']} / p99 {r['p99_ms']} ms ({r['rps']} req/s)"

    def cold_figure(name: str) -> str:
        counts, times = cold[name]
        queries = "/".join(str(n) for n in sorted(set(counts)))
        return f"{queries} queries; median {times[len(times) // 2]:.1f} / max {times[-1]:.1f} ms"

    return [
        (
            f"/prices/latest/ ?commodity ({rows_per_latest} markets), under load",
            figure(results["latest"]),
            "p99 < 25 ms",
        ),
        (
            "  same, uncached (first after a price change), in-process",
            cold_figure("latest"),
            "queries constant",
        ),
        (
            "  same with &region=osh (a few markets), uncached",
            cold_figure("latest_few"),
            "same queries",
        ),
        (
            "/prices/latest/ ?market (every commodity), under load",
            figure(results["latest_market"]),
            "—",
        ),
        (
            "/prices/series/ 52 weeks, all markets, under load",
            figure(results["series"]),
            "p99 < 150 ms",
        ),
        ("  same, uncached, in-process", cold_figure("series"), "—"),
        ("trivial view (/healthz), same server", figure(results["trivial"]), "—"),
        (
            "USSD answer (Africa's Talking callback, 7 menu paths) beside the latest load",
            figure(results["ussd"]),
            "p99 reported (#16)",
        ),
        ("  the latest load meanwhile", figure(results["latest_beside_ussd"]), "—"),
        ("data set", size, "5M quotes"),
        ("statuses seen", json.dumps({k: v["statuses"] for k, v in results.items()}), "all 200"),
    ]
