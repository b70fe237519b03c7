"""Time to fan a broadcast to 100,000 subscribers out into the send queue, with a real
Celery worker (2 processes) over Redis doing the fan-out. Nothing consumes the send
queue, so the figure is fan-out alone: from its approval until the last of the
100,000 send tasks is in Redis. The subscribers and their messages are removed after."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", 100_000))
PREFIX = "+99670"  # a KG mobile range the bench data set uses for nobody else
Row = tuple[str, str, str]


def _make_subscribers(total: int) -> int:
    """``total`` subscribers following one crop at the first market's region."""
    from agriprices.models import Commodity, Market
    from sms_gateway.models import Subscriber, Subscription

    existing = Subscriber.objects.filter(phone__startswith=PREFIX).count()
    if existing == total:
        return Market.objects.order_by("pk").first().region_id
    Subscriber.objects.filter(phone__startswith=PREFIX).delete()
    market = Market.objects.order_by("pk").first()
    crop = Commodity.objects.order_by("pk").first()
    for start in range(0, total, 10_000):
        people = Subscriber.objects.bulk_create(
            [Subscriber(phone=f"{PREFIX}{n:07d}") for n in range(start, min(total, start + 10_000))]
        )
        Subscription.objects.bulk_create(
            [Subscription(subscriber=p, commodity=crop, market=market) for p in people]
        )
    return market.region_id


def start_approved(key: str, body: str, region_id: int) -> object:
    """A broadcast as operators send one to this many people: written by one operator and
    approved by a second (four eyes above BROADCAST_APPROVAL_MIN), released on approval.
    The bench's sender sends 100 segments a second (a short code), so 100,000 messages
    can leave within the provider's queue lifetime."""
    from django.test import override_settings

    from sms_gateway import broadcasts
    from tests.factories import operator

    def bench_operator(name: str) -> object:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(username=name).first() or operator(name)

    with override_settings(SMS_SEGMENTS_PER_SECOND=100):
        broadcast, _ = broadcasts.start_broadcast(
            key=key, body=body, region_ids=[region_id], created_by=bench_operator("bench-author")
        )
    if broadcast.status == broadcast.Status.AWAITING_APPROVAL:
        broadcast, _ = broadcasts.decide(
            broadcast_id=broadcast.pk, by=bench_operator("bench-approver"), approve=True
        )
    return broadcast


def _start_worker() -> subprocess.Popen:
    env = {**os.environ, "CELERY_BROKER_URL": BROKER, "LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [
            "nice",  # as deployed (Procfile, systemd, docker-compose): below the web
            "-n",
            "10",
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "celery",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )


def run() -> list[Row]:
    import redis
    from django.conf import settings

    from config.celery import app
    from sms_gateway.models import Broadcast, OutboundMessage

    broker = redis.Redis.from_url(BROKER)
    broker.flushdb()
    made = time.perf_counter()
    region_id = _make_subscribers(SUBSCRIBERS)
    made = time.perf_counter() - made
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    worker = _start_worker()
    key = f"bench:{int(time.time())}"
    try:
        time.sleep(3)  # the worker connects
        started = time.perf_counter()
        broadcast = start_approved(key, "Bench broadcast: frost tonight.", region_id)
        deadline = started + 600
        queued = 0
        while time.perf_counter() < deadline:
            queued = broker.llen("sms-bulk")
            if queued >= SUBSCRIBERS:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        broadcast.refresh_from_db()
        stored = OutboundMessage.objects.filter(
            idempotency_key__startswith=f"broadcast:{broadcast.pk}:"
        ).count()
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        OutboundMessage.objects.filter(idempotency_key__startswith="broadcast:").delete()
        Broadcast.objects.filter(key__startswith="bench:").delete()
        broker.flushdb()
    chunk = settings.SMS_FANOUT_CHUNK
    return [
        (
            f"broadcast fan-out to {SUBSCRIBERS:,} subscribers into the send queue",
            f"{elapsed:.1f} s ({queued / elapsed:,.0f} msg/s)",
            "chunks, not one task",
        ),
        (
            f"  chunk tasks of {chunk:,}; messages stored / send tasks queued",
            f"{stored:,} / {queued:,}",
            f"{SUBSCRIBERS:,} each",
        ),
        ("  subscribers created for the run (first time only)", f"{made:.1f} s", "—"),
    ]
