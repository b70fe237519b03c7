"""``python -m bench sms``: the SMS webhook's one durable path, on the bench data set in
PostgreSQL, gunicorn with 2 workers and a separate load process (bench.load).

1. Throughput: signed price questions from 5,000 numbers, against a floor on the same
   server that only verifies the signature and durably inserts the message
   (bench/floor.py): what any service that loses nothing must do. Three alternating
   rounds (this machine's speed drifts); the median round's ratio is reported.
2. Steady traffic: 50 SMS/s for five minutes while a broadcast to 100,000 subscribers
   fans out into the send queue (a real Celery worker writing 100,000 messages into the
   same database). Every question must be answered in the webhook, stored once, and
   never answered a second time by SMS.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from bench import fanout, floor
from bench.api import TWILIO_TOKEN, flush_cache, load, start_gunicorn

WEBHOOK = "/sms/twilio/inbound/"
REQUESTS, ROUNDS = 1500, 3
WARMUP = 50  # bench.load's default: sent and stored, not timed
STEADY_RATE = int(os.environ.get("BENCH_SMS_RATE", 50))
STEADY_SECONDS = int(os.environ.get("BENCH_SMS_SECONDS", 300))
Row = tuple[str, str, str]


def _signed(path: str, requests: int, concurrency: int, *extra: str) -> dict:
    return load([path], requests, concurrency, "--twilio-token", TWILIO_TOKEN, *extra)


def _broadcast_later(region_id: int, after: float, started: dict) -> None:
    time.sleep(after)
    started["at"] = time.monotonic()
    started["broadcast"] = fanout.start_approved(
        f"bench:{int(time.time())}", "Bench broadcast: frost tonight.", region_id
    )


def run(url: str) -> list[Row]:
    import redis
    from django.db import connection

    from agriprices.models import Market, Quote
    from config.celery import app
    from sms_gateway.models import Broadcast, InboundMessage, OutboundMessage

    quotes, markets = Quote.objects.count(), Market.objects.count()
    InboundMessage.objects.filter(provider_sid__startswith="SMbench").delete()  # both views
    region_id = fanout._make_subscribers(fanout.SUBSCRIBERS)
    flush_cache()
    broker = redis.Redis.from_url(fanout.BROKER)
    broker.flushdb()
    app.conf.update(broker_url=fanout.BROKER, task_always_eager=False)
    connection.close()  # the broadcast thread opens its own
    server = start_gunicorn(url, settings_module="bench.floor_settings")
    worker = None
    try:
        rounds = []
        for _ in range(ROUNDS):
            rounds.append((_signed(floor.PATH, REQUESTS, 2), _signed(WEBHOOK, REQUESTS, 2)))
        rounds.sort(key=lambda pair: pair[1]["rps"] / pair[0]["rps"])
        base, sms = rounds[len(rounds) // 2]
        ratios = ", ".join(f"{s['rps'] / b['rps']:.2f}" for b, s in rounds)

        worker = fanout._start_worker()
        time.sleep(3)  # the worker connects
        webhook_stored = InboundMessage.objects.filter(
            provider="twilio", provider_sid__startswith="SMbench"
        )
        before = webhook_stored.count()
        started: dict = {}
        thread = threading.Thread(target=_broadcast_later, args=(region_id, 10, started))
        thread.start()
        steady_count = STEADY_RATE * STEADY_SECONDS
        steady = _signed(WEBHOOK, steady_count, 8, "--rate", str(STEADY_RATE), "--warmup", "0")
        thread.join()
        broadcast = started["broadcast"]
        fanned = OutboundMessage.objects.filter(
            idempotency_key__startswith=f"broadcast:{broadcast.pk}:"
        ).count()
        total = webhook_stored.count()
        distinct = webhook_stored.values("provider_sid").distinct().count()
        steady_stored = total - before
        late = OutboundMessage.objects.filter(
            idempotency_key__startswith="reply:twilio:SMbench"
        ).count()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        OutboundMessage.objects.filter(idempotency_key__startswith="broadcast:").delete()
        Broadcast.objects.filter(key__startswith="bench:").delete()
        InboundMessage.objects.filter(provider="floor").delete()
        broker.flushdb()

    def figure(r: dict) -> str:
        return f"p50 {r['p50_ms']} / p99 {r['p99_ms']} ms ({r['rps']} req/s)"

    expected = ROUNDS * (REQUESTS + WARMUP) + steady_count
    lost = steady_count - min(steady["answered"], steady_stored)
    return [
        ("floor: signature + durable insert, same server", figure(base), "—"),
        ("signed SMS webhook, price questions from 5,000 numbers", figure(sms), "p99 < 50 ms"),
        (
            "  webhook / floor throughput (median round; all rounds)",
            f"{sms['rps'] / base['rps']:.2f} ({ratios})",
            ">= 0.35",
        ),
        (
            f"steady {STEADY_RATE} SMS/s for {STEADY_SECONDS} s during a "
            f"{fanout.SUBSCRIBERS:,}-subscriber broadcast",
            f"p50 {steady['p50_ms']} / p99 {steady['p99_ms']} / max {steady['max_ms']} ms; "
            f"{steady['answered']}/{steady_count} answered in the webhook",
            "p99 < 100 ms",
        ),
        (
            "  webhook SMS stored / sent, distinct ids; lost; answered again by SMS",
            f"{total} / {expected}, {distinct}; {lost}; {late}",
            "all, once; 0; 0",
        ),
        ("  broadcast messages fanned out meanwhile", f"{fanned:,}", f"{fanout.SUBSCRIBERS:,}"),
        (
            "data set",
            f"{quotes / 1e6:.1f}M quotes, {markets} markets, PostgreSQL, gunicorn 2 workers",
            "5M quotes",
        ),
        (
            "statuses seen",
            str(
                {
                    "floor": base["statuses"],
                    "webhook": sms["statuses"],
                    "steady": steady["statuses"],
                }
            ),
            "all 200",
        ),
    ]
