"""Soak: mixed API, SMS and dashboard traffic at a steady rate for minutes against
gunicorn on the bench data set (5 million quotes in PostgreSQL, Redis cache), from this
process on loopback. Requests are sent on a fixed schedule (open loop: a slow answer does
not slow the sender down, so queueing shows in the latencies), bounded by rate x seconds,
and the run stops by itself.

Reported: requests by kind with p50/p99, every 5xx, and the web workers' memory sampled
every few seconds: how much it grew between the end of the warm-up and the end of the
run (flat means it stopped growing once caches were filled).

    SOAK_SECONDS=300 SOAK_RATE=40 python -m bench soak
"""

from __future__ import annotations

import http.client
import os
import signal
import statistics
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.api import PORT, TWILIO_TOKEN, flush_cache, start_gunicorn
from bench.load import signed_sms

Row = tuple[str, str, str]
#: Share of each kind of request in the mix (out of 10).
MIX = ("api", "api", "api", "api", "sms", "sms", "sms", "page", "page", "page")
MEMORY_EVERY = 5.0
#: Memory may grow this much after the warm-up and still count as flat.
FLAT_GROWTH = 0.10


def _paths() -> dict[str, list[str]]:
    from agriprices.models import Commodity, Market

    commodities = list(Commodity.objects.values_list("slug", flat=True))
    markets = list(Market.objects.values_list("slug", flat=True)[:40])
    return {
        "api": [f"/api/v1/prices/latest/?commodity={c}" for c in commodities]
        + [f"/api/v1/prices/latest/?market={m}" for m in markets]
        + [f"/api/v1/prices/series/?commodity={c}&markets={markets[0]}" for c in commodities]
        + [f"/api/v1/quotes/?market={m}&page_size=20" for m in markets[:10]]
        + ["/api/v1/commodities/", "/api/v1/markets/", "/api/v1/regions/"],
        "page": ["/", "/bulletins/", "/sheet/"]
        + [f"/commodities/{c}/" for c in commodities]
        + [f"/markets/{m}/" for m in markets[:10]],
    }


def worker_rss_mb(master_pid: int) -> float:
    """Resident memory of gunicorn's master and its workers, in MB (from /proc)."""
    pids = [master_pid]
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total_kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except FileNotFoundError:  # a worker restarting
            continue
    return total_kb / 1024


def run(seconds: float | None = None, rate: float | None = None) -> list[Row]:
    seconds = seconds or float(os.environ.get("SOAK_SECONDS", 300))
    rate = rate or float(os.environ.get("SOAK_RATE", 40))
    warmup = min(60.0, seconds / 5)
    paths = _paths()
    url = os.environ["DATABASE_URL"]
    flush_cache()
    server = start_gunicorn(url)
    local = threading.local()
    lock = threading.Lock()
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    errors: list[str] = []
    memory: list[tuple[float, float]] = []
    done = threading.Event()

    def connection() -> http.client.HTTPConnection:
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        return local.conn

    def one(n: int) -> None:
        kind = MIX[n % len(MIX)]
        if kind == "sms":
            path, headers, body = signed_sms(f"http://127.0.0.1:{PORT}", TWILIO_TOKEN, n)
            method = "POST"
        else:
            choices = paths[kind]
            path, headers, body = choices[n % len(choices)], {"Accept-Encoding": "gzip"}, None
            method = "GET"
        start = time.perf_counter()
        try:
            conn = connection()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            local.conn = None
            status = 0
            with lock:
                errors.append(f"{kind} {path}: {exc.__class__.__name__}")
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            latencies[kind].append(elapsed)
            statuses[kind][status] += 1

    def sample_memory() -> None:
        started = time.monotonic()
        while not done.wait(MEMORY_EVERY):
            memory.append((time.monotonic() - started, worker_rss_mb(server.pid)))

    sampler = threading.Thread(target=sample_memory, daemon=True)
    try:
        sampler.start()
        total = int(seconds * rate)
        started = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            for n in range(total):
                time.sleep(max(0.0, started + n / rate - time.monotonic()))
                pool.submit(one, n)
        wall = time.monotonic() - started
    finally:
        done.set()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    after_warmup = [mb for at, mb in memory if at >= warmup] or [mb for _, mb in memory]
    growth = (after_warmup[-1] - after_warmup[0]) / after_warmup[0]
    five_xx = sum(
        count for by_status in statuses.values() for s, count in by_status.items() if s >= 500
    )
    rows: list[Row] = [
        (
            f"soak: {seconds:.0f} s at {rate:.0f} req/s (4 API : 3 SMS : 3 pages), 5M quotes",
            f"{sum(len(v) for v in latencies.values())} requests in {wall:.0f} s; "
            f"{five_xx} 5xx, {len(errors)} failed",
            "0 5xx",
        )
    ]
    for kind in ("api", "sms", "page"):
        values = sorted(latencies[kind])
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        rows.append(
            (
                f"  soak {kind}: p50 / p99",
                f"{statistics.median(values):.1f} / {p99:.1f} ms "
                f"({dict(sorted(statuses[kind].items()))})",
                "—",
            )
        )
    rows.append(
        (
            "  soak web memory (master + 2 workers) after warm-up -> end",
            f"{after_warmup[0]:.0f} -> {after_warmup[-1]:.0f} MB ({growth:+.1%}); "
            f"peak {max(mb for _, mb in memory):.0f} MB",
            f"flat: < {FLAT_GROWTH:.0%}",
        )
    )
    if errors:
        rows.append(("  first failures", "; ".join(errors[:3]), "none"))
    return rows
