"""Bench data: N approved quotes (5 million by default) over 250 markets and the demo's
commodities, daily, loaded with PostgreSQL's COPY. Deterministic for a given N.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/agriprices_bench \\
        python -m bench.generate --quotes 5000000

Refuses to touch a database that already holds other data than an earlier bench run.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

MARKETS = 250


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def ensure_database(url: str) -> None:
    """Create the bench database when it does not exist yet."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def generate(total: int) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from agriprices.demo.catalogue import ensure_demo_catalogue
    from agriprices.demo.crops import COMMODITIES
    from agriprices.models import Commodity, Market, PriceSummary, Quote, Region
    from agriprices.services.series import rebuild_latest_prices

    if connection.vendor != "postgresql":
        raise SystemExit("the bench data set needs PostgreSQL (BENCH_DATABASE_URL)")
    call_command("migrate", "--noinput", verbosity=0)
    existing = Quote.objects.count()
    if existing == total and Quote.objects.filter(external_id__startswith="bench:").exists():
        if not PriceSummary.objects.exists():  # made by an older version of this generator
            started = time.perf_counter()
            rebuild_latest_prices()
            _vacuum()
            return {"quotes": total, "seconds": round(time.perf_counter() - started, 1)}
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # statistics as autovacuum would have them by now
        return {"quotes": total, "seconds": 0.0}
    if existing and not Quote.objects.filter(external_id__startswith="bench:").exists():
        raise SystemExit("the database holds data that is not bench data; use another one")
    started = time.perf_counter()
    call_command("flush", "--noinput", verbosity=0)
    ensure_demo_catalogue()
    regions = list(Region.objects.all())
    rng = random.Random(42)
    known = list(Market.objects.all())
    markets = known + [
        Market.objects.create(
            name=f"Bench market {n}",
            slug=f"bench-market-{n}",
            region=regions[n % len(regions)],
            latitude=Decimal("39.5") + Decimal(rng.randint(0, 3000)) / 1000,
            longitude=Decimal("70") + Decimal(rng.randint(0, 8000)) / 1000,
        )
        for n in range(MARKETS - len(known))
    ]
    commodities = list(Commodity.objects.select_related("base_unit"))
    per_series = math.ceil(total / (len(markets) * len(commodities)))
    today = timezone.localdate()
    now = timezone.now()
    columns = (
        "commodity_id, market_id, unit_id, price, currency, price_type, price_per_base_unit, "
        "observed_on, source, status, status_reason, external_id, price_flag, created_at, "
        "updated_at"
    )
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.connection.cursor()
        with raw.copy(f"COPY agriprices_quote ({columns}) FROM STDIN") as copy:
            for n, market in enumerate(markets, 1):
                level = 0.85 + rng.random() * 0.3
                for commodity in commodities:
                    base = {c.name: c.price for c in COMMODITIES}.get(commodity.name, 50)
                    for day_index in range(per_series):
                        if written >= total:
                            break
                        day = today - timedelta(days=per_series - day_index)
                        season = 1 + 0.2 * math.cos(2 * math.pi * day.month / 12)
                        price = round(base * level * season * (0.97 + rng.random() * 0.06), 1)
                        value = f"{price:.4f}"
                        copy.write_row(
                            (
                                commodity.pk,
                                market.pk,
                                commodity.base_unit_id,
                                value,
                                "KGS",
                                "retail",
                                value,
                                day,
                                "import",
                                "approved",
                                "",
                                f"bench:{written}",
                                "",
                                now,
                                now,
                            )
                        )
                        written += 1
                if n % 25 == 0:
                    print(f"  {written:,} quotes written", file=sys.stderr)
    copy_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE agriprices_quote")
    series = rebuild_latest_prices()
    _vacuum()
    return {
        "quotes": written,
        "series": series,
        "copy_seconds": round(copy_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _vacuum() -> None:
    """What autovacuum would have done by the time a real database had this much data:
    fresh statistics (or the planner guesses from an empty table's) and a visibility map
    (or index-only scans visit every row)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("agriprices_quote", "agriprices_latestprice", "agriprices_pricesummary"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quotes", type=int, default=int(os.environ.get("BENCH_QUOTES", 5_000_000))
    )
    args = parser.parse_args()
    url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/agriprices_bench"
    )
    ensure_database(url)
    setup_django(url)
    print(generate(args.quotes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
