"""A load process, separate from the server: sends a fixed number of GET requests over
keep-alive connections from a few threads and prints latency figures as JSON.

    python -m bench.load http://127.0.0.1:8099 /api/v1/prices/latest/?commodity=potatoes ...

Loopback only; bounded in count, so it always stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def run(base: str, paths: list[str], requests: int, concurrency: int, warmup: int) -> dict:
    host = urlsplit(base)
    if host.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load process only targets this machine")
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(requests + warmup))

    def worker() -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        for n in counter:
            path = paths[n % len(paths)]
            start = time.perf_counter()
            conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            if n >= warmup:
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)

    return {
        "requests": len(latencies),
        "statuses": statuses,
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(run(args.base, args.paths, args.requests, args.concurrency, args.warmup)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
