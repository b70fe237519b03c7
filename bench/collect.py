"""ODK Collect over OpenRosa with the bench data set (5 million quotes in PostgreSQL):
how long the form takes to build for an operator who may record at every market
(250 markets × 50 commodities), cold and cached; then, in one run, the latest-prices API
load alone, then beside 1,500 forms sent with HTTP Basic (Django's password hash on
every one), then beside 1,500 sent through a Collect key (one indexed lookup), as
Collect POSTs them (load processes against gunicorn behind a TLS proxy's header).
Goals: by key p99 ≤ 50 ms and at least 10× Basic's forms a second; the API's p99 beside
the key's forms within 10 % of its p99 alone.

Those loads saturate both cores (each sends as fast as it is answered), so anything done
beside the API slows it. For the team's reading of the goal, the run ends with the same
comparison at steady rates: the API at BENCH_COLLECT_API_RATE (100) requests a second,
alone, then beside forms arriving at BENCH_COLLECT_RATE (5) a second, as a morning's
reports would, sent by key and then by Basic (figures only, no goal of their own)."""

from __future__ import annotations

import json
import math
import os
import time

from bench.api import flush_cache, load, load_in_background, start_gunicorn
from bench.load import WARMUP

Row = tuple[str, str, str]
#: Forms sent each way (BENCH_COLLECT_SUBMISSIONS for a shorter run).
SUBMISSIONS = int(os.environ.get("BENCH_COLLECT_SUBMISSIONS", 1500))
#: The steady phase: forms a second, the API's requests a second, and for how long.
STEADY_FORMS = float(os.environ.get("BENCH_COLLECT_RATE", 5))
STEADY_API = float(os.environ.get("BENCH_COLLECT_API_RATE", 100))
STEADY_SECONDS = 40


def run(url: str) -> list[Row]:
    from django.conf import settings
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

    # New agents each run: an agent prices a crop at a market once a day, so each way
    # of signing in has its own agent.
    from openrosa import keys

    market = Market.objects.order_by("pk").first()
    items = [
        [row.commodity.slug, row.unit.code, f"{row.price.normalize():f}"]
        for row in LatestPrice.objects.filter(market=market, price_type="retail").select_related(
            "commodity", "unit"
        )
    ]
    # Each form is a crop at a market on a day of its own, no older than Collect takes
    # (AGRIPRICES_MAX_AGE_DAYS; a day less, for the load process's clock): the forms
    # spread over as many markets as that needs, else the oldest are refused with 400.
    days = settings.AGRIPRICES_MAX_AGE_DAYS - 1
    needed = math.ceil((SUBMISSIONS + WARMUP) / (len(items) * days))
    markets = list(Market.objects.order_by("pk")[:needed])
    if len(markets) < needed:
        raise SystemExit(f"{SUBMISSIONS} forms need {needed} markets; the data set has fewer")
    stamp = time.time_ns()
    by_password = agent(markets=markets, username=f"bench-collector-{stamp}")
    by_password.set_password("bench-pw")  # the deployment's real hasher, as in production
    by_password.save()
    by_key = agent(markets=markets, username=f"bench-collector-key-{stamp}")
    token = keys.issue_key(agent=by_key, name="bench phone", by=None).token
    # The steady phase's forms come from agents of their own (a crop at a market once a
    # day each).
    steady_password = agent(markets=markets, username=f"bench-steady-{stamp}")
    steady_password.set_password("bench-pw")
    steady_password.save()
    steady_key = agent(markets=markets, username=f"bench-steady-key-{stamp}")
    steady_token = keys.issue_key(agent=steady_key, name="bench phone", by=None).token
    steady_forms = int(STEADY_FORMS * STEADY_SECONDS)
    steady_api = int(STEADY_API * (STEADY_SECONDS + 5))  # outlasts the forms
    slugs = [m.slug for m in markets]
    latest = [
        f"/api/v1/prices/latest/?commodity={s}"
        for s in Commodity.objects.values_list("slug", flat=True)
    ]
    flush_cache()
    server = start_gunicorn(url, extra_env={"HTTPS": "true"})
    try:
        alone = load(latest, 3000, 2)
        api_load = load_in_background(latest, 3000)
        spec = json.dumps([f"{by_password.username}:bench-pw", slugs, items, days])
        basic = load(["/openrosa/submission"], SUBMISSIONS, 2, "--collect", spec)
        beside_basic = json.loads(api_load.communicate(timeout=900)[0])
        api_load = load_in_background(latest, 3000)
        spec = json.dumps(["", slugs, items, days])
        keyed = load([f"/openrosa/key/{token}/submission"], SUBMISSIONS, 2, "--collect", spec)
        beside_key = json.loads(api_load.communicate(timeout=900)[0])
        # Steady rates: the API's requests and the forms each leave on their own clock.
        api_rate, form_rate = f"{STEADY_API:g}", f"{STEADY_FORMS:g}"
        steady_alone = load(latest, steady_api, 2, "--rate", api_rate)
        steady = {}
        for way, path, credentials in (
            ("key", f"/openrosa/key/{steady_token}/submission", ""),
            ("Basic", "/openrosa/submission", f"{steady_password.username}:bench-pw"),
        ):
            api_load = load_in_background(latest, steady_api, "--rate", api_rate)
            spec = json.dumps([credentials, slugs, items, days])
            forms = load(
                [path], steady_forms, 2, "--collect", spec, "--rate", form_rate, "--warmup", "5"
            )
            steady[way] = (forms, json.loads(api_load.communicate(timeout=900)[0]))
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = {
        name: Quote.objects.filter(agent=who, source="collect").count()
        for name, who in (("basic", by_password), ("key", by_key))
    }
    for collector in (by_password, by_key, steady_password, steady_key):
        _remove(collector)
    speedup = keyed["rps"] / basic["rps"] if basic["rps"] else 0.0
    api_change = (beside_key["p99_ms"] / alone["p99_ms"] - 1) * 100 if alone["p99_ms"] else 0.0
    rows += [
        (
            f"forms by HTTP Basic ({len(items)} crops at {len(markets)} markets, 1 price "
            "each), beside the latest load",
            f"{basic['rps']} /s, p50 {basic['p50_ms']} ms, p99 {basic['p99_ms']} ms, "
            f"statuses {basic['statuses']}",
            "—",
        ),
        (
            "forms by Collect key, beside the latest load",
            f"{keyed['rps']} /s, p50 {keyed['p50_ms']} ms, p99 {keyed['p99_ms']} ms, "
            f"statuses {keyed['statuses']}; {speedup:.1f}× Basic's rate",
            "p99 ≤ 50 ms, ≥ 10× Basic",
        ),
        (
            "  stored",
            f"Basic {stored['basic']}, key {stored['key']} of {SUBMISSIONS + WARMUP} each "
            "(with the warm-up)",
            "all, once",
        ),
        (
            "  the latest-prices load: alone / beside Basic / beside keys",
            f"p99 {alone['p99_ms']} / {beside_basic['p99_ms']} / {beside_key['p99_ms']} ms "
            f"({api_change:+.0f} % beside keys); {alone['rps']} / {beside_basic['rps']} / "
            f"{beside_key['rps']} /s",
            "beside keys within 10 % of alone",
        ),
        (
            f"steady: the latest-prices API at {api_rate}/s alone / beside {form_rate} forms/s "
            "by key / by Basic",
            f"p99 {steady_alone['p99_ms']} / {steady['key'][1]['p99_ms']} / "
            f"{steady['Basic'][1]['p99_ms']} ms",
            "figures for the goal's reading",
        ),
        (
            f"  the {form_rate} forms/s themselves: by key / by Basic",
            f"p50 {steady['key'][0]['p50_ms']} / {steady['Basic'][0]['p50_ms']} ms, "
            f"p99 {steady['key'][0]['p99_ms']} / {steady['Basic'][0]['p99_ms']} ms; statuses "
            f"{steady['key'][0]['statuses']} / {steady['Basic'][0]['statuses']}",
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
