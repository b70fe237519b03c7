"""What happens when a part is missing: the database fails under the webhook (the message
is spooled and answered once by SMS later), Redis is unreachable (the cache misses, the
limits count per process), a worker died mid-send or Twilio did not answer in time (the
sweep asks Twilio before sending again). The same faults with real servers stopped and
killed are in tests/test_faults.py."""

from datetime import timedelta

import pytest
from django.db import DataError, OperationalError, connection
from django.utils import timezone

from config import counters
from config.cache import CacheUnavailable, RedisCache
from sms_gateway import outbound, spool
from sms_gateway.backends import locmem
from sms_gateway.channels import inbound
from sms_gateway.models import InboundMessage, OutboundMessage, Subscriber
from tests import factories
from tests.servers import TwilioStub

pytestmark = pytest.mark.django_db
CLOSED = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
TO = "+996555123456"


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token-not-a-secret"
    settings.TWILIO_PUBLIC_BASE_URL = ""
    settings.SMS_REDIS_URL = CLOSED  # unreachable: the spool falls back to files
    settings.SMS_SPOOL_DIR = tmp_path / "spool"
    settings.SMS_BACKEND = "sms_gateway.backends.locmem.LocmemBackend"
    locmem.outbox.clear()


@pytest.fixture
def stub(settings):
    twilio = TwilioStub()
    settings.SMS_BACKEND = "sms_gateway.backends.twilio.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_API_BASE_URL = twilio.url
    yield twilio
    twilio.close()


def failing_on(table: str, error: Exception | None = None):
    """The database dropping the connection (or raising ``error``) at the first write to
    ``table``."""

    def execute(run, sql, params, many, context):
        if sql.startswith("INSERT") and table in sql:
            raise error or OperationalError("server closed the connection unexpectedly")
        return run(sql, params, many, context)

    return connection.execute_wrapper(execute)


def test_a_message_the_database_cannot_store_is_spooled_and_answered_once_later(
    twilio, django_capture_on_commit_callbacks, a_price
):
    with failing_on("sms_gateway_inboundmessage"):
        response = twilio.post(twilio.params())
    assert response.status_code == 200 and twilio.reply(response) is None
    # Nothing half-written: the subscriber made in the same transaction is gone too.
    assert not InboundMessage.objects.exists() and not Subscriber.objects.exists()
    assert spool.pending() == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert inbound.replay_spool() == 1
    stored = InboundMessage.objects.get()
    assert stored.answered_by_sms and "18" in stored.reply
    assert [m["body"] for m in locmem.outbox] == [stored.reply]
    assert spool.pending() == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert inbound.replay_spool() == 0
        again = twilio.post(twilio.params())  # Twilio retrying: answered already
    assert twilio.reply(again) is None
    assert len(locmem.outbox) == 1 and InboundMessage.objects.count() == 1


def test_a_message_the_database_refuses_is_not_spooled_to_block_the_others(twilio, a_price):
    """Only an unreachable database spools: a value it refuses would fail every replay and
    hold back every message spooled after it."""
    with failing_on("sms_gateway_inboundmessage", DataError("value out of range")):
        with pytest.raises(DataError):
            twilio.post(twilio.params())
    assert spool.pending() == 0 and not InboundMessage.objects.exists()


def test_the_same_message_spooled_twice_is_kept_once(settings):
    entry = {"provider": "twilio", "provider_sid": "SM1", "sender": TO, "body": "HELP"}
    assert spool.put(entry) == spool.put(entry) == "file"
    assert spool.pending() == 1


def test_a_claim_cut_short_is_settled_by_asking_twilio(stub, django_capture_on_commit_callbacks):
    reached = factories.OutboundMessageFactory(to=TO, body="reached", idempotency_key="a")
    lost = factories.OutboundMessageFactory(to="+996555000002", body="lost", idempotency_key="b")
    stub.record(TO, "reached")  # Twilio got this one; the worker died before hearing so
    claimed = timezone.now() - timedelta(minutes=5)
    OutboundMessage.objects.update(status="sending", sending_since=claimed, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        result = outbound.recover_stalled()
    assert (result["settled"], result["requeued"]) == (1, 1)
    reached.refresh_from_db()
    lost.refresh_from_db()
    assert (reached.status, reached.provider_sid) == ("sent", stub.sent[0]["sid"])
    assert lost.status == "sent"  # queued again and sent (tasks run in-process here)
    assert stub.received_by() == {TO: 1, "+996555000002": 1}


def test_a_fresh_claim_is_left_alone(stub):
    factories.OutboundMessageFactory(
        to=TO, body="x", idempotency_key="a", status="sending", sending_since=timezone.now()
    )
    assert outbound.recover_stalled()["settled"] == outbound.recover_stalled()["requeued"] == 0


def test_a_message_whose_task_never_reached_the_broker_is_published_by_the_sweep(
    django_capture_on_commit_callbacks,
):
    message = factories.OutboundMessageFactory(to=TO, body="waiting", idempotency_key="a")
    OutboundMessage.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert outbound.recover_stalled()["published"] == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.published_at is not None
    assert [m["body"] for m in locmem.outbox] == ["waiting"]


def test_twilio_not_answering_in_time_is_never_sent_blindly_again(stub, settings):
    settings.TWILIO_TIMEOUT_SECONDS = 0.5
    stub.behaviour, stub.hang_seconds = ["hang-after"], 1.5
    message = factories.OutboundMessageFactory(to=TO, body="slow", idempotency_key="a")
    assert outbound.send(message.pk) == outbound.UNKNOWN
    message.refresh_from_db()
    assert message.status == "sending" and "Timeout" in message.last_error
    settings.SMS_SEND_LEASE_SECONDS = 0
    assert outbound.recover_stalled(timezone.now() + timedelta(seconds=1))["settled"] == 1
    message.refresh_from_db()
    assert message.status == "sent" and stub.posts == 1


def test_twilio_refusing_the_connection_is_retried(stub, settings):
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"
    message = factories.OutboundMessageFactory(to=TO, body="x", idempotency_key="a")
    assert outbound.send(message.pk) == outbound.RETRY  # certainly not sent: try again
    message.refresh_from_db()
    assert message.status == "queued"


def test_an_unreachable_cache_misses_instead_of_failing():
    cache = RedisCache(CLOSED, {})
    assert cache.get("k", "default") == "default"
    cache.set("k", 1)
    assert cache.add("k", 1) is False and cache.get_many(["k"]) == {}
    with pytest.raises(CacheUnavailable):
        cache.incr("k")


def test_limits_count_per_process_while_the_cache_is_unreachable(settings):
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": CLOSED}}
    # A number no other test counted for: this process's counts outlive a test.
    counts = [counters.count("sms-queries", "+996555000777", window_seconds=3600) for _ in range(3)]
    assert counts == [1, 2, 3]


def test_the_webhook_answers_while_the_cache_is_unreachable(twilio, settings, a_price):
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": CLOSED}}
    response = twilio.post(twilio.params())
    assert response.status_code == 200 and "18" in twilio.reply(response)
