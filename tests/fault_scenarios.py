"""Fault scenarios against the real parts (servers.py): each runs a whole deployment on
loopback, breaks one part while SMS keep coming, and reports what farmers got.
tests/test_faults.py runs them with outages of seconds; ``python -m bench faults`` with
outages of minutes.

    database_down  inbound SMS keep coming while PostgreSQL is stopped: every message is
                   answered exactly once (inside the webhook while the database is up;
                   from the spool, by SMS, once it is back)
    redis_down     Redis stops: webhook replies still work; a broadcast started meanwhile
                   waits and reaches everyone once when Redis is back (empty)
    worker_killed  a worker is SIGKILLed while Twilio holds a message: sent exactly once
    slow_twilio    Twilio answers late or with 429/500: everyone gets one SMS, and the
                   webhook's replies are not slowed down
"""

from __future__ import annotations

import contextlib
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from tests.servers import Stack, stack, wait_for


def settle(running: Stack, timeout: float = 60) -> None:
    """Wait until no outbound SMS is queued or being sent: a copy sent twice would be
    at the stub by then."""
    wait_for(
        lambda: (
            not running.postgres.query(
                "SELECT 1 FROM sms_gateway_outboundmessage WHERE status IN ('queued', 'sending')"
            )
        ),
        timeout,
        "every outbound SMS to be settled",
    )


def reached_everyone(running: Stack, phones: list[str], timeout: float, what: str) -> Counter:
    """Wait until each of ``phones`` has had an SMS and nothing is left to send; returns
    how many each got (a copy sent twice would be there by then)."""
    wait_for(lambda: all(running.twilio.received_by()[p] >= 1 for p in phones), timeout, what)
    settle(running)
    return running.twilio.received_by()


def p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)


def subscribe(running: Stack, count: int) -> list[str]:
    """``count`` numbers that texted SUB POTATOES MINSK (all answered)."""
    phones = [f"+996700{n:06d}" for n in range(count)]
    for n, phone in enumerate(phones):
        result = running.text(phone, "SUB POTATOES MINSK", f"SMsub{n:08d}")
        if result["status"] != 200 or not result["reply"]:
            raise RuntimeError(f"SUB was not answered: {result}")
    return phones


def broadcast(running: Stack, text: str) -> str:
    region = running.postgres.query(
        "SELECT r.slug FROM agriprices_region r JOIN agriprices_market m ON m.region_id = r.id"
        " WHERE m.name = 'Minsk'"
    )[0][0]
    return running.manage("sms_broadcast", text, "--region", region, "--yes")


@contextlib.contextmanager
def texting(
    running: Stack, rate: float, phase: Callable[[], str], prefix: str
) -> Iterator[list[dict[str, Any]]]:
    """Inbound SMS at ``rate`` per second from a thread of its own while the block runs;
    the list it yields holds their results once the block has ended."""
    stop = threading.Event()
    load: list[dict[str, Any]] = []
    loader = threading.Thread(
        target=lambda: load.extend(running.text_at_rate(rate, stop, phase, prefix))
    )
    loader.start()
    try:
        yield load
    finally:
        stop.set()
        loader.join()


# --- the scenarios ----------------------------------------------------------------------
def database_down(down_seconds: float = 120, rate: float = 10) -> dict[str, Any]:
    with stack() as running:
        state = {"phase": "before"}
        with texting(running, rate, lambda: state["phase"], "SMdb") as load:
            time.sleep(3)
            running.postgres.stop()
            state["phase"] = "down"
            time.sleep(down_seconds)
            running.postgres.start()
            state["phase"] = "after"
            time.sleep(5)
        waiting = [r for r in load if not r["reply"]]
        wait_for(
            lambda: set(running.twilio.received_by()) >= {r["from"] for r in waiting},
            120,
            "spooled messages to be answered by SMS",
        )
        settle(running)
        # The spooled ones are stored by the replay.
        wait_for(
            lambda: (
                running.postgres.query("SELECT count(*) FROM sms_gateway_inboundmessage")[0][0]
                >= len(load)
            ),
            60,
            "every message to be in the database",
        )
        by_sms = running.twilio.received_by()
        answers = Counter({r["from"]: 1 for r in load if r["reply"]}) + by_sms
        stored = running.postgres.query(
            "SELECT count(*), count(DISTINCT provider_sid) FROM sms_gateway_inboundmessage"
        )[0]
        subscribers = running.postgres.query("SELECT count(*) FROM sms_gateway_subscriber")[0][0]
        return {
            "down_seconds": down_seconds,
            "rate_per_second": rate,
            "messages": len(load),
            "during_outage": sum(r["phase"] == "down" for r in load),
            "http_statuses": dict(Counter(r["status"] for r in load)),
            "answered_in_webhook": len(load) - len(waiting),
            "answered_in_webhook_during_outage": sum(
                bool(r["reply"]) for r in load if r["phase"] == "down"
            ),
            "answered_by_sms_after": sum(by_sms.values()),
            "answered_exactly_once": sum(answers[r["from"]] == 1 for r in load),
            "lost": sum(answers[r["from"]] == 0 for r in load),
            "answered_twice": sum(answers[r["from"]] > 1 for r in load),
            "stored": stored[0],
            "stored_distinct": stored[1],
            "subscribers": subscribers,
            "p99_ms_database_down": p99([r["ms"] for r in load if r["phase"] == "down"]),
            "p99_ms_database_up": p99([r["ms"] for r in load if r["phase"] != "down"]),
        }


def redis_down(down_seconds: float = 60, rate: float = 10, subscribers: int = 20) -> dict:
    with stack() as running:
        phones = subscribe(running, subscribers)
        running.redis.stop()
        with texting(running, rate, lambda: "down", "SMrd") as load:
            time.sleep(1)
            started = broadcast(running, "Frost tonight: cover seedlings.")
            time.sleep(down_seconds)
        sent_while_down = sum(running.twilio.received_by()[p] for p in phones)
        running.redis.start()  # empty: whatever the broker held is gone
        got = reached_everyone(running, phones, 90, "the broadcast to reach every subscriber")
        return {
            "down_seconds": down_seconds,
            "webhook_messages_while_down": len(load),
            "http_statuses": dict(Counter(r["status"] for r in load)),
            "answered_in_webhook": sum(bool(r["reply"]) for r in load),
            "p99_ms_redis_down": p99([r["ms"] for r in load]),
            "median_ms_redis_down": round(statistics.median(r["ms"] for r in load), 1),
            "broadcast_command": started.strip().splitlines()[-1],
            "broadcast_sms_while_down": sent_while_down,
            "subscribers": len(phones),
            "broadcast_received_once": sum(got[p] == 1 for p in phones),
            "broadcast_received_twice": sum(got[p] > 1 for p in phones),
        }


def worker_killed(where: str = "hang-after", subscribers: int = 10) -> dict[str, Any]:
    """``where``: the killed send had reached Twilio ("hang-after") or had not
    ("hang-before")."""
    with stack() as running:
        phones = subscribe(running, subscribers)
        running.twilio.behaviour = [where]
        before = running.twilio.posts
        broadcast(running, "Market closed on Friday.")
        wait_for(lambda: running.twilio.posts > before, 30, "the first send to reach Twilio")
        time.sleep(0.3)
        running.kill_worker()
        killed_at = time.monotonic()
        running.start_worker()
        # Until the killed worker's claim is settled too (sent, or asked of Twilio and
        # marked sent): every subscriber may have their SMS well before that.
        got = reached_everyone(running, phones, 90, "every subscriber's SMS after the restart")
        recovered = time.monotonic() - killed_at
        return {
            "killed_during": where,
            "subscribers": len(phones),
            "received_once": sum(got[p] == 1 for p in phones),
            "received_twice": sum(got[p] > 1 for p in phones),
            "seconds_to_recover": round(recovered, 1),
        }


def slow_twilio(subscribers: int = 30, slow_seconds: float = 1.0) -> dict[str, Any]:
    with stack() as running:
        phones = subscribe(running, subscribers)
        running.twilio.slow_seconds = slow_seconds
        # One answer slower than the client waits (settled by asking Twilio), then
        # refusals that are retried with backoff.
        running.twilio.behaviour = ["hang-after", "429", "500", "429"]
        running.twilio.hang_seconds = 5
        broadcast(running, "Bulletin: locusts reported east of Minsk.")
        with texting(running, 10, lambda: "slow", "SMsl") as load:
            got = reached_everyone(running, phones, 180, "every SMS through a slow Twilio")
        return {
            "subscribers": len(phones),
            "twilio_answer_seconds": slow_seconds,
            "received_once": sum(got[p] == 1 for p in phones),
            "received_twice": sum(got[p] > 1 for p in phones),
            "twilio_posts": running.twilio.posts,
            "webhook_statuses_meanwhile": dict(Counter(r["status"] for r in load)),
            "webhook_p99_ms_meanwhile": p99([r["ms"] for r in load]),
        }
