"""ODK Collect over OpenRosa with the bench data set (5 million quotes in PostgreSQL):
how long the form takes to build for an operator who may record at every market
(250 markets × 50 commodities), cold and cached; then forms submitted by an agent, as
Collect POSTs them, while the latest-prices API load runs beside them (two load
processes against gunicorn behind a TLS proxy's header)."""

from __future__ import annotations

import json
import time

from bench.api import flush_cache, load, load_in_background, start_gunicorn

Row = tuple[str, str, str]
SUBMISSIONS = 1500


def run(url: str) -> list[Row]:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import transaction

    from agriprices.models import Commodity, LatestPrice, Market, Quote
    from openrosa import xform
    from tests.factories import agent, operator, unit

    users = get_user_model().objects
    boss = users.filter(username="bench-operator").first() or operator("bench-operator")
    rows: list[Row] = []
    with transaction.atomic():
        # The catalogue as the goal states it (50 commodities), for this figure only.
        for n in range(max(0, 50 - Commodity.objects.count())):
            Commodity.objects.create(
                name=f"Bench crop {n}", slug=f"bench-crop-{n}", base_unit=unit("kg")
            )
        markets, commodities = Market.objects.count(), Commodity.objects.count()
        cache.clear()
        started = time.perf_counter()
        form = xform.form_for(boss)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(5):
            xform.form_for(boss)
        warm = (time.perf_counter() - started) / 5
        if form is None:
            raise SystemExit("the bench operator has no market")
        rows.append(
            (
                f"form built for {markets} markets × {commodities} commodities",
                f"{cold:.2f} s cold (XForm {len(form.xml) / 1024:.0f} KB, medians CSV "
                f"{len(form.medians) / 1024:.0f} KB); {warm * 1000:.0f} ms cached",
                "seconds, once per change",
            )
        )
        transaction.set_rollback(True)
    cache.clear()

    # A new agent each run: an agent prices a crop at a market once a day.
    market = Market.objects.order_by("pk").first()
    collector = agent(markets=[market], username=f"bench-collector-{time.time_ns()}")
    collector.set_password("bench-pw")
    collector.save()
    items = [
        [row.commodity.slug, row.unit.code, f"{row.price.normalize():f}"]
        for row in LatestPrice.objects.filter(market=market, price_type="retail").select_related(
            "commodity", "unit"
        )
    ]
    latest = [
        f"/api/v1/prices/latest/?commodity={s}"
        for s in Commodity.objects.values_list("slug", flat=True)
    ]
    flush_cache()
    server = start_gunicorn(url, extra_env={"HTTPS": "true"})
    try:
        api_load = load_in_background(latest, 3000)
        spec = json.dumps([f"{collector.username}:bench-pw", market.slug, items])
        submitted = load(["/openrosa/submission"], SUBMISSIONS, 2, "--collect", spec)
        beside = json.loads(api_load.communicate(timeout=900)[0])
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = Quote.objects.filter(agent=collector, source="collect").count()
    _remove(collector)
    rows += [
        (
            f"form submissions ({len(items)} crops, 1 price each), beside the latest load",
            f"{submitted['rps']} /s, p50 {submitted['p50_ms']} ms, p99 {submitted['p99_ms']} ms, "
            f"statuses {submitted['statuses']}",
            "—",
        ),
        (
            "  stored",
            f"{stored} of {submitted['requests'] + 50} sent (with the warm-up)",
            "all, once",
        ),
        (
            "  the latest-prices load meanwhile",
            f"{beside['rps']} /s, p50 {beside['p50_ms']} ms, p99 {beside['p99_ms']} ms",
            "—",
        ),
    ]
    return rows


def _remove(collector: object) -> None:
    """Take the run's forms out again, so the bench data stays the 5 million quotes the
    other suites expect (and the generator recognises)."""
    from django.db import transaction

    from agriprices.models import Quote
    from agriprices.services.series import refresh_series

    sent = Quote.objects.filter(agent=collector)
    touched = set(sent.values_list("commodity_id", "market_id", "price_type", "observed_on"))
    with transaction.atomic():
        sent.delete()
        for commodity_id, market_id, price_type in {key[:3] for key in touched}:
            days = [
                day
                for c, m, p, day in touched
                if (c, m, p) == (commodity_id, market_id, price_type)
            ]
            refresh_series(
                commodity_id=commodity_id,
                market_id=market_id,
                price_type=price_type,
                first_day=min(days),
                last_day=max(days),
            )
        collector.delete()  # type: ignore[attr-defined]  # a User; typed loosely here
