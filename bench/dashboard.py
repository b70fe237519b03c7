"""Server time of every dashboard page with the bench data set (5 million quotes in
PostgreSQL, Redis cache, production settings): each page answered in-process 20 times
after one warm-up (median and slowest), then 5 times as the first request after a price
changed (price fragments and charts missing), then 5 times from a cold cache, with its
gzipped size. Goal: under 100 ms."""

from __future__ import annotations

import statistics
import time

Row = tuple[str, str, str]
RUNS = 20
COLD_RUNS = 5


def _sign_in(client: object, user: object) -> None:
    """Signed in as a real session is after its code was given: an operator cannot open
    a page with a password alone (REQUIRE_TWO_FACTOR is on with DEBUG off)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)  # type: ignore[attr-defined]
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench authenticator", defaults={"confirmed": True}
    )
    session = client.session  # type: ignore[attr-defined]
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _fixtures() -> tuple[object, object, object]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from agriprices.models import Region
    from agriprices.roles import ensure_role_groups
    from telecentre.models import Bulletin
    from telecentre.roles import grant_bulletin_permissions
    from tests.factories import agent, operator

    ensure_role_groups()
    grant_bulletin_permissions()
    users = get_user_model().objects
    boss = users.filter(username="bench-operator").first() or operator("bench-operator")
    region = Region.objects.order_by("pk").first()
    markets = list(region.markets.order_by("pk")[:2])
    worker = users.filter(username="bench-agent").first() or agent(
        markets=markets, username="bench-agent"
    )
    if not Bulletin.objects.filter(title__startswith="Bench").exists():
        for n in range(5):
            made = Bulletin.objects.create(
                title=f"Bench bulletin {n}",
                body="Night frost expected. " * 20,
                category="weather",
                language="en",
                sms_summary="Frost tonight: cover seedlings.",
                published_at=timezone.now(),
            )
            made.regions.set(Region.objects.all())
    return boss, worker, region


def run() -> list[Row]:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from agriprices.models import Commodity, Market, Quote
    from agriprices.name_index import NameIndex
    from agriprices.warnings.computation import refresh_warnings
    from agriprices.warnings.models import WarningRun

    call_command("collectstatic", "--noinput", verbosity=0)  # hashed names, as deployed
    boss, worker, region = _fixtures()
    commodity = Commodity.objects.order_by("pk").first()
    market = Market.objects.filter(region=region).order_by("pk").first()
    quotes = Quote.objects.count()
    if not WarningRun.objects.filter(finished_at__isnull=False).exists():
        refresh_warnings()  # as the nightly task would have
    pages = [
        ("home, all regions (first 120 of every latest price)", None, "/"),
        ("home, one region", None, f"/?region={region.slug}"),
        ("home, search by alias", None, "/?q=картошка"),
        (
            "commodity, 24-month chart, all markets",
            None,
            f"/commodities/{commodity.slug}/?months=24",
        ),
        ("market with sparklines", None, f"/markets/{market.slug}/"),
        ("weekly price sheet, one region", None, f"/sheet/?region={region.slug}"),
        ("bulletins", None, "/bulletins/"),
        ("price warnings", None, "/warnings/"),
        ("price grid, one region", None, f"/grid/?region={region.slug}"),
        ("map of markets", None, f"/map/?commodity={commodity.slug}"),
        ("radio script, one region, Russian", None, f"/sheet/radio/?region={region.slug}&lang=ru"),
        ("review queue (operator)", boss, "/review/"),
        ("report a price (agent)", worker, "/report/"),
        ("collection, all regions: this round and 8 weeks (operator)", boss, "/collection/"),
        ("collection, one region (operator)", boss, f"/collection/?region={region.slug}"),
    ]
    rows: list[Row] = []
    for name, user, url in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        if user is not None:
            _sign_in(client, user)
        first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        if first.status_code != 200:
            raise SystemExit(f"{url} answered {first.status_code}")
        times, changed, cold = [], [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
            times.append((time.perf_counter() - start) * 1000)
        for _ in range(COLD_RUNS):
            # The first request after a price changed: every price fragment and chart
            # misses (their keys hold the time of the last change); the name indexes,
            # which a price change leaves alone, are still there.
            cache.clear()
            for model in (Commodity, Market):
                NameIndex(model)  # loaded again, as the request before the change had
            start = time.perf_counter()
            client.get(url, HTTP_ACCEPT_ENCODING="gzip")
            changed.append((time.perf_counter() - start) * 1000)
        for _ in range(COLD_RUNS):
            # A cold start: nothing cached at all, name indexes included (worst case).
            cache.clear()
            start = time.perf_counter()
            client.get(url, HTTP_ACCEPT_ENCODING="gzip")
            cold.append((time.perf_counter() - start) * 1000)
        rows.append(
            (
                f"page: {name}",
                f"{statistics.median(times):.1f} ms (max {max(times):.1f}); after a price "
                f"change {statistics.median(changed):.0f} (max {max(changed):.0f}); cold "
                f"{statistics.median(cold):.0f}; "
                f"{len(response.content) / 1024:.1f} KB gz",
                "< 100 ms, < 14 KB",
            )
        )
    rows.append(("data set", f"{quotes / 1e6:.1f}M quotes, PostgreSQL, Redis cache", "5M"))
    return rows
