"""`make bench`: run the benchmarks on a scratch database and print a table.

By default a fresh SQLite file under bench/results/; set BENCH_DATABASE_URL to measure on
PostgreSQL (the database is emptied first). Figures also go to bench/results/latest.json.
"""

import json
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    scratch = RESULTS / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{scratch}")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("flush", "--noinput", verbosity=0)
    call_command("migrate", "--noinput", verbosity=0)

    from bench import core

    rows = core.run_all()
    machine = f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    print(f"\nAgriPrices benchmarks on {connection.vendor} — {machine}\n")
    print(f"{'benchmark':<52} {'figure':>14}  goal")
    for name, figure, goal in rows:
        print(f"{name:<52} {figure:>14}  {goal}")
    (RESULTS / "latest.json").write_text(
        json.dumps({"database": connection.vendor, "machine": machine, "rows": rows}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
