"""`make bench`: every benchmark, each in its own process, printed as one table.

    python -m bench            # all
    python -m bench core       # price core on a scratch SQLite file
    python -m bench api        # API under load, on BENCH_DATABASE_URL (5M quotes)
    python -m bench fanout     # a 100,000-subscriber broadcast fanned out by a worker
    python -m bench dashboard  # server time of every dashboard page (5M quotes)

The API benchmark fills the PostgreSQL database named by BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/agriprices_bench) with BENCH_QUOTES quotes the first
time (about two minutes for 5 million). Figures also go to bench/results/<suite>.json.
"""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from bench import generate

RESULTS = Path(__file__).resolve().parent / "results"
SUITES = ("core", "api", "fanout", "dashboard")
DEFAULT_BENCH_DB = "postgres://postgres@127.0.0.1:5432/agriprices_bench"


def run_suite(name: str) -> list:
    if name == "core":
        scratch = RESULTS / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)
        generate.setup_django(f"sqlite:///{scratch}")
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        from bench import core

        return core.run_all()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)
    # As in production: one cache shared by the web processes.
    os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/14")
    if name == "dashboard":  # pages are timed in this process: production settings
        os.environ.update(
            DEBUG="false",
            SECRET_KEY="bench-only-not-a-secret",  # noqa: S106 - a throwaway bench process
            ALLOWED_HOSTS="127.0.0.1",
        )
    generate.ensure_database(url)
    generate.setup_django(url)
    made = generate.generate(int(os.environ.get("BENCH_QUOTES", 5_000_000)))
    if name == "fanout":
        from bench import fanout

        return fanout.run()
    if name == "dashboard":
        from bench import dashboard

        return dashboard.run()
    from bench import api

    rows = api.run(url)
    if made.get("seconds"):
        rows.append(("bench data generated", f"{made['seconds']} s", "—"))
    return rows


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    wanted = sys.argv[1:] or list(SUITES)
    if len(wanted) > 1:
        status = 0
        for name in wanted:
            status |= subprocess.call([sys.executable, "-m", "bench", name])
        return status
    name = wanted[0]
    if name not in SUITES:
        print(f"unknown suite {name!r}; choose from {', '.join(SUITES)}", file=sys.stderr)
        return 2
    rows = run_suite(name)
    machine = f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    print(f"\n[{name}] {machine}\n")
    print(f"{'benchmark':<64} {'figure':>40}  goal")
    for bench, figure, goal in rows:
        print(f"{bench:<64} {figure:>40}  {goal}")
    (RESULTS / f"{name}.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
