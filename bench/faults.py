"""``python -m bench faults``: the fault scenarios of tests/fault_scenarios.py with
outages of minutes, as one report table."""

from __future__ import annotations

import json

from tests.fault_scenarios import database_down, redis_down, slow_twilio, worker_killed


def run() -> list[tuple[str, str, str]]:
    """The bench suite: outages of minutes."""
    results = {
        "database_down": database_down(down_seconds=120, rate=10),
        "redis_down": redis_down(down_seconds=60),
        "worker_killed (sent)": worker_killed("hang-after"),
        "worker_killed (not sent)": worker_killed("hang-before"),
        "slow_twilio": slow_twilio(),
    }
    db = results["database_down"]
    rd = results["redis_down"]
    return [
        (
            f"PostgreSQL stopped {db['down_seconds']:.0f} s, "
            f"{db['rate_per_second']:.0f} inbound SMS/s",
            f"{db['messages']} messages ({db['during_outage']} during the outage): "
            f"{db['answered_exactly_once']} answered once "
            f"({db['answered_in_webhook']} in the webhook, "
            f"{db['answered_by_sms_after']} by SMS after the outage), {db['lost']} lost, "
            f"{db['answered_twice']} twice; HTTP {db['http_statuses']}",
            "0 lost, 0 twice, no 5xx",
        ),
        (
            "  webhook p99 with the database down / up",
            f"{db['p99_ms_database_down']} / {db['p99_ms_database_up']} ms",
            "—",
        ),
        (
            f"Redis stopped {rd['down_seconds']:.0f} s",
            f"{rd['answered_in_webhook']}/{rd['webhook_messages_while_down']} replies in the "
            f"webhook (p99 {rd['p99_ms_redis_down']} ms); broadcast reached "
            f"{rd['broadcast_received_once']}/{rd['subscribers']} once after, "
            f"{rd['broadcast_received_twice']} twice",
            "all replies; all once",
        ),
        *(
            (
                f"worker SIGKILLed mid-send ({r['killed_during']})",
                f"{r['received_once']}/{r['subscribers']} once, {r['received_twice']} twice; "
                f"all settled {r['seconds_to_recover']} s after the kill",
                "exactly once",
            )
            for r in (results["worker_killed (sent)"], results["worker_killed (not sent)"])
        ),
        (
            "Twilio slow (1 s per send, a timeout, 429/500)",
            f"{results['slow_twilio']['received_once']}/{results['slow_twilio']['subscribers']}"
            f" once, {results['slow_twilio']['received_twice']} twice; webhook p99 meanwhile "
            f"{results['slow_twilio']['webhook_p99_ms_meanwhile']} ms",
            "exactly once; replies unaffected",
        ),
        ("raw results", json.dumps(results), "—"),
    ]
