"""Faults against the real parts (fault_scenarios.py, servers.py): a PostgreSQL and a
Redis server of the test's own that it stops and starts, gunicorn, a Celery worker with
beat that it SIGKILLs, and a local Twilio stand-in that answers slowly or with errors. The
outages here last seconds; ``python -m bench faults`` runs the same scenarios for minutes.

Each scenario takes half a minute, so they run when AGRIPRICES_FAULT_TESTS=1 (CI sets
it); they need PostgreSQL's server binaries and redis-server installed."""

import os
import shutil

import pytest

from tests import fault_scenarios as faults
from tests.servers import postgres_bin

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("AGRIPRICES_FAULT_TESTS") != "1",
        reason="set AGRIPRICES_FAULT_TESTS=1 to run the fault scenarios",
    ),
    pytest.mark.skipif(
        postgres_bin() is None or shutil.which("redis-server") is None,
        reason="needs PostgreSQL's server binaries and redis-server",
    ),
]


def test_inbound_sms_survive_the_database_going_down():
    result = faults.database_down(down_seconds=8, rate=10)
    assert result["during_outage"] >= 50
    assert result["http_statuses"] == {200: result["messages"]}  # Twilio saw no error
    # Every message answered exactly once: inside the webhook, or by SMS once PostgreSQL
    # was back; each stored once, with its sender, nothing half-written.
    assert result["answered_exactly_once"] == result["messages"]
    assert result["lost"] == result["answered_twice"] == 0
    # Those asked while the database was down waited in the spool and were answered by
    # SMS once it was back.
    assert result["answered_by_sms_after"] >= result["during_outage"]
    assert result["answered_in_webhook"] + result["answered_by_sms_after"] == result["messages"]
    assert result["stored"] == result["stored_distinct"] == result["messages"]
    assert result["subscribers"] == result["messages"]


def test_replies_go_on_and_a_broadcast_waits_while_redis_is_down():
    result = faults.redis_down(down_seconds=5, subscribers=8)
    assert result["http_statuses"] == {200: result["webhook_messages_while_down"]}
    assert result["answered_in_webhook"] == result["webhook_messages_while_down"] >= 40
    assert "started" in result["broadcast_command"]
    assert result["broadcast_sms_while_down"] == 0
    assert result["broadcast_received_once"] == result["subscribers"]
    assert result["broadcast_received_twice"] == 0


@pytest.mark.parametrize("where", ["hang-after", "hang-before"])
def test_a_worker_killed_mid_send_sends_exactly_once_after_restart(where):
    result = faults.worker_killed(where, subscribers=5)
    assert result["received_once"] == result["subscribers"]
    assert result["received_twice"] == 0


def test_a_slow_or_failing_twilio_sends_each_message_once_and_slows_no_reply():
    result = faults.slow_twilio(subscribers=10)
    assert result["received_once"] == result["subscribers"]
    assert result["received_twice"] == 0
    assert result["twilio_posts"] == result["subscribers"] + 3  # the three refusals
    assert set(result["webhook_statuses_meanwhile"]) == {200}
    assert result["webhook_p99_ms_meanwhile"] < 1000  # not waiting on Twilio's 1 s
