"""`make bench`: every benchmark, each in its own process, printed as one table.

    python -m bench            # all
    python -m bench core       # price core on a scratch SQLite file
    python -m bench api        # API under load, on BENCH_DATABASE_URL (5M quotes)
    python -m bench sms        # the SMS webhook against its floor; 50 SMS/s during a broadcast
    python -m bench understanding  # free-text understanding alone, 250-market catalogue
    python -m bench fanout     # a 100,000-subscriber broadcast fanned out by a worker
    python -m bench dashboard  # server time of every dashboard page (5M quotes)
    python -m bench soak       # mixed API, SMS and page traffic for minutes (5M quotes)
    python -m bench scaling    # latest, series and webhook from 100k to 10M quotes
    python -m bench faults     # PostgreSQL, Redis, a worker and Twilio failing for minutes
    python -m bench warnings   # the nightly price warnings over 5M quotes; WFP backtest
    python -m bench collect    # ODK Collect: the form for 250 markets; submissions under load
    python -m bench collection # completeness of a week and 52 weeks; the reminder job (5M quotes)
    python -m bench voice      # the voice line: TwiML under load, seconds heard, synthesis
    python -m bench report     # the table of every suite's last results

The API benchmark fills the PostgreSQL database named by BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/agriprices_bench) with BENCH_QUOTES quotes the first
time (about two minutes for 5 million). Figures also go to bench/results/<suite>.json,
and `make bench` ends with one table of them all (bench/results/report.md).
"""

import json
import os
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

from bench import generate

RESULTS = Path(__file__).resolve().parent / "results"
SUITES = (
    "core",
    "api",
    "sms",
    "understanding",
    "fanout",
    "dashboard",
    "soak",
    "scaling",
    "faults",
    "warnings",
    "collect",
    "collection",
    "voice",
)
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
    if name == "faults":  # servers of its own
        from bench import faults

        return faults.run()
    if name == "scaling":  # a database per size, each in a process of its own
        from bench import scaling

        return scaling.run()
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
    if name == "understanding":
        from bench import understanding

        return understanding.run()
    if name == "sms":
        from bench import sms

        return sms.run(url)
    if name == "fanout":
        from bench import fanout

        return fanout.run()
    if name == "dashboard":
        from bench import dashboard

        return dashboard.run()
    if name == "soak":
        from bench import soak

        return soak.run()
    if name == "warnings":
        from bench import warnings

        return warnings.run()
    if name == "collect":
        from bench import collect

        return collect.run(url)
    if name == "collection":
        from bench import collection

        return collection.run(url)

    if name == "voice":
        from bench import voice

        return voice.run(url)
    from bench import api

    rows = api.run(url)
    if made.get("seconds"):
        rows.append(("bench data generated", f"{made['seconds']} s", "—"))
    return rows


def report() -> str:
    """One table of every suite's last results: benchmark, figure, goal, and the machine
    and day it was measured on."""
    lines = [
        "| suite | benchmark | figure | goal | measured on |",
        "|---|---|---|---|---|",
    ]
    for name in SUITES:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            lines.append(f"| {name} | not run yet (`python -m bench {name}`) | | | |")
            continue
        saved = json.loads(path.read_text())
        when = saved.get("measured_at", "")
        for bench, figure, goal in saved["rows"]:
            if bench == "raw results":
                continue
            cells = [name, bench.strip(), figure, goal, f"{saved['machine']} {when}"]
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    table = "\n".join(lines) + "\n"
    (RESULTS / "report.md").write_text(table)
    return table


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    wanted = sys.argv[1:] or list(SUITES)
    if wanted == ["report"]:
        print(report())
        return 0
    if len(wanted) > 1:
        status = 0
        for name in wanted:
            status |= subprocess.call([sys.executable, "-m", "bench", name])
        print(f"\nEvery benchmark (also in {RESULTS / 'report.md'}):\n")
        print(report())
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
    saved = {"machine": machine, "measured_at": date.today().isoformat(), "rows": rows}
    (RESULTS / f"{name}.json").write_text(json.dumps(saved, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
