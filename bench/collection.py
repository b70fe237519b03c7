"""Completeness of collection over the bench data set (5 million quotes, 250 markets ×
the demo's commodities, daily): every market on a weekly plan with one agent each.
GET /api/v1/collection/ for one week (all markets), then GET /api/v1/collection/history/
for 52 weeks (all markets): each cold, the first call in this process; warm, p50 and p99
of 100 calls one after another, answered by gunicorn with the production settings,
timed by a load process on this machine (so with the HTTP round trip, and the load
process's share of the cores) and by the server (its access log: the server time the
goal is set in). The history is
kept in the shared cache until anything it counts changes, so it is also timed after a
price changed (one quote touched before each of 3 calls, in this process): what the
first reader after each new price waits. Then the reminder job for every agent, with its
query count for 25 and for all 250 agents (it must not grow). Goals: warm ≤ 100 ms of
server time, cold ≤ 1 s, reminders ≤ 10 s."""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path

Row = tuple[str, str, str]


def _setup_plans():  # -> date, the bench's "today"
    from django.contrib.auth.models import User
    from django.db.models import Max, Min

    from agriprices.collection.models import CollectionPlan, PlannedItem
    from agriprices.models import AgentProfile, Commodity, Market, PriceType, Quote

    newest = Quote.objects.aggregate(day=Max("observed_on"))["day"]
    today = newest + timedelta(days=1)
    markets = list(Market.objects.filter(slug__startswith="bench-market-"))
    commodities = list(Commodity.objects.all())
    weekday = str(newest.weekday())
    # One version per market, in force over the whole data set: every round is judged
    # by the weekly plan (plans are effective-dated).
    since = Quote.objects.aggregate(day=Min("observed_on"))["day"]
    CollectionPlan.objects.filter(market__in=markets, effective_from__gt=since).delete()
    plans = {
        p.market_id: p
        for p in CollectionPlan.objects.filter(market__in=markets, effective_from__lte=since)
    }
    new = [
        CollectionPlan(market=m, weekdays=weekday, effective_from=since)
        for m in markets
        if m.pk not in plans
    ]
    CollectionPlan.objects.bulk_create(new)
    plans = {
        p.market_id: p
        for p in CollectionPlan.objects.filter(market__in=markets, effective_from__lte=since)
    }
    CollectionPlan.objects.filter(pk__in=[p.pk for p in plans.values()]).update(weekdays=weekday)
    PlannedItem.objects.bulk_create(
        [
            PlannedItem(plan=plan, commodity=c, price_type=PriceType.RETAIL)
            for plan in plans.values()
            for c in commodities
        ],
        ignore_conflicts=True,
    )
    for n, market in enumerate(markets):
        user, _ = User.objects.get_or_create(username=f"bench-agent-{n}")
        profile, _ = AgentProfile.objects.get_or_create(
            user=user, defaults={"phone": f"+99655590{n:04d}"}
        )
        profile.markets.add(market)
    return today, markets


def run(url: str) -> list[Row]:
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from agriprices.collection import schedule
    from agriprices.models import Quote
    from bench.api import flush_cache, load, server_times, start_gunicorn
    from sms_gateway import reminders

    rows: list[Row] = []
    # The cache the other suites used holds their clients' API throttle counts (this
    # process calls from the same address) and their cached answers: start from none.
    flush_cache()
    today, markets = _setup_plans()
    week = schedule.week_of(today - timedelta(days=1))
    client = Client(HTTP_HOST="127.0.0.1")
    # The API's own "today" is the real one: the week asked for is the data's newest.
    url_path = f"/api/v1/collection/?week={week.label}"

    history_path = f"/api/v1/collection/history/?weeks=52&week={week.label}"

    def api(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(response.content[:300])
        return (time.perf_counter() - started) * 1000

    cold = api(url_path)
    history_cold = api(history_path)
    changed = []
    for _ in range(3):
        Quote.objects.filter(pk=Quote.objects.order_by("-pk").values("pk")[:1]).update(
            updated_at=timezone.now()
        )
        changed.append(api(history_path))
    access_log = Path(tempfile.mkdtemp()) / "access.log"
    server = start_gunicorn(url, access_log=access_log)
    try:
        warm = load([url_path], 100, 1)
        history_warm = load([history_path], 100, 1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    served = {
        path: server_times(access_log, path.split("?")[0], last=100)
        for path in (url_path, history_path)
    }
    for name, answered in (("week", warm), ("history", history_warm)):
        if set(answered["statuses"]) != {"200"}:
            raise RuntimeError(f"the {name} was answered {answered['statuses']}")
    rows.append(
        (
            f"one week, {len(markets)} markets (API)",
            f"cold {cold:.0f} ms; by gunicorn p50 {warm['p50_ms']:.0f} ms, "
            f"p99 {warm['p99_ms']:.0f} ms (server time p50 {served[url_path]['p50_ms']:.0f}, "
            f"p99 {served[url_path]['p99_ms']:.0f} ms)",
            "warm ≤ 100 ms (server time), cold ≤ 1 s",
        )
    )
    rows.append(
        (
            f"52-week history, {len(markets)} markets (API)",
            f"cold {history_cold:.0f} ms; by gunicorn p50 {history_warm['p50_ms']:.0f} ms, "
            f"p99 {history_warm['p99_ms']:.0f} ms (server time p50 "
            f"{served[history_path]['p50_ms']:.0f}, p99 {served[history_path]['p99_ms']:.0f} "
            "ms); after a price changed " + ", ".join(f"{ms:.0f}" for ms in changed) + " ms",
            "warm ≤ 100 ms (server time), cold ≤ 1 s",
        )
    )
    collection_day = today - timedelta(days=1)

    def job(limit: int | None) -> tuple[float, int, int]:
        from agriprices.models import AgentProfile

        with transaction.atomic():
            if limit is not None:  # the other agents lose their phone for this run
                keep = list(
                    AgentProfile.objects.filter(user__username__startswith="bench-agent-")
                    .order_by("pk")
                    .values_list("pk", flat=True)[:limit]
                )
                AgentProfile.objects.filter(user__username__startswith="bench-agent-").exclude(
                    pk__in=keep
                ).update(phone="")
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                sent = reminders.send_reminders(collection_day, today=today)
                seconds = time.perf_counter() - started
            transaction.set_rollback(True)  # nothing is queued for real
        return seconds, len(queries), len(sent.listed)

    few_seconds, few_queries, few_sent = job(25)
    seconds, queries, sent = job(None)
    rows.append(
        (
            f"reminder job, {sent} agents with prices missing",
            f"{seconds:.1f} s, {queries} queries ({few_queries} for {few_sent} agents)",
            "≤ 10 s, queries not growing",
        )
    )
    rows.append(("measured on", timezone.localdate().isoformat(), "—"))
    return rows
