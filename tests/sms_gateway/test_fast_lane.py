"""Read-only questions answered from memory: Redis keeps the reply and counts the limits,
a worker writes the message to the database a moment later (services, journal.py).
Against a real Redis (AGRIPRICES_TEST_REDIS_URL), through the signed webhook."""

import time
from decimal import Decimal

import pytest
import redis
from django.utils import timezone

from agriprices import selectors
from agriprices import services as prices
from agriprices.models import LatestPrice, Quote
from sms_gateway import journal, limits, memo, replies, services
from sms_gateway.models import InboundMessage, Subscriber
from tests import factories
from tests.sms_gateway.conftest import CLOSED, FARMER, REDIS_URL
from tests.sms_gateway.test_webhook import params, reply_of, twilio_post

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def test_a_question_is_answered_without_writing_and_stored_once_by_the_worker(
    client, sms_redis, unflushed, a_price, osh
):
    before = time.time()
    response = twilio_post(client, params(body="POTATOES OSH", sid="SMq1", sender=FARMER))
    assert reply_of(response).startswith("Potatoes Osh: 18 KGS/kg")
    assert not InboundMessage.objects.exists() and not Subscriber.objects.exists()
    assert journal.pending(sms_redis) == 1

    assert services.flush_journal() == 1
    stored = InboundMessage.objects.get()
    assert (stored.provider_sid, stored.sender, stored.action) == ("SMq1", FARMER, "query")
    assert stored.reply == reply_of(response) and stored.reply_segments == 1
    assert before <= stored.received_at.timestamp() <= time.time()
    assert Subscriber.objects.get(phone=FARMER).recent_markets == [osh.pk]
    assert journal.pending(sms_redis) == 0
    assert services.flush_journal() == 0


def test_the_first_question_into_an_empty_journal_asks_a_worker_to_write_it(
    client, sms_redis, a_price
):
    # Tasks run eagerly without a broker: the worker's flush has run by the reply.
    twilio_post(client, params(sid="SMw1"))
    assert InboundMessage.objects.filter(provider_sid="SMw1", action="query").exists()
    assert journal.pending(sms_redis) == 0


def test_a_retried_webhook_gets_the_same_reply_and_is_stored_once(
    client, sms_redis, unflushed, a_price
):
    first = reply_of(twilio_post(client, params(sid="SMr1")))
    LatestPrice.objects.update(price=Decimal("25"))  # changed since: a retry is not re-asked
    memo.forget()
    again = reply_of(twilio_post(client, params(sid="SMr1")))
    assert again == first
    assert journal.pending(sms_redis) == 1
    services.flush_journal()
    assert InboundMessage.objects.filter(provider_sid="SMr1").count() == 1
    assert limits.peek("queries", FARMER, window_seconds=3600) == 1


def test_a_batch_written_twice_is_stored_once(client, sms_redis, unflushed, a_price):
    for n in range(3):
        twilio_post(client, params(sid=f"SMb{n}"))
    waiting = [entry for entry in _journal(sms_redis)]
    # A worker killed after the database committed but before Redis dropped the batch:
    services._store_answered(waiting)
    assert services.flush_journal() == 3
    assert InboundMessage.objects.count() == 3
    assert Subscriber.objects.count() == 1


def test_one_drain_at_a_time(client, sms_redis, unflushed, a_price):
    twilio_post(client, params(sid="SMl1"))
    sms_redis.set(journal.LOCK_KEY, "another worker", ex=60)
    assert services.flush_journal() == 0 and journal.pending(sms_redis) == 1
    sms_redis.delete(journal.LOCK_KEY)
    assert services.flush_journal() == 1


def test_hourly_queries_and_daily_segments_hold(client, sms_redis, unflushed, settings, a_price):
    settings.SMS_MAX_QUERIES_PER_HOUR = 2
    answers = [reply_of(twilio_post(client, params(sid=f"SMh{n}"))) for n in range(4)]
    assert answers[0] == answers[1] and answers[0].startswith("Potatoes Osh")
    assert answers[2] == "Too many messages from this number. Try again later."
    assert answers[3] is None  # then silence: every reply costs money

    settings.SMS_MAX_QUERIES_PER_HOUR = 100
    settings.SMS_MAX_SEGMENTS_PER_DAY = 2  # the two answers were one segment each
    assert reply_of(twilio_post(client, params(sid="SMh9"))) is None
    services.flush_journal()
    actions = dict(InboundMessage.objects.values_list("provider_sid", "action"))
    assert actions == {
        "SMh0": "query",
        "SMh1": "query",
        "SMh2": "limited",
        "SMh3": "limited",
        "SMh9": "limited",
    }


def test_the_language_chosen_by_lang_is_used_at_once(client, sms_redis, unflushed, a_price):
    twilio_post(client, params(body="LANG RU", sid="SMl1"))  # changes something: database
    assert Subscriber.objects.get().language == "ru"
    help_reply = reply_of(twilio_post(client, params(body="HELP", sid="SMl2")))
    assert help_reply == replies.help_reply(language="ru") != replies.help_reply(language="en")


def test_an_approved_price_is_answered_at_once(client, sms_redis, unflushed, a_price, potatoes):
    assert "18 KGS" in reply_of(twilio_post(client, params(sid="SMp1")))
    quote = factories.QuoteFactory(commodity=potatoes, market=a_price.market, price=21)
    prices.refresh_latest_price(
        commodity_id=potatoes.pk, market_id=a_price.market_id, price_type=quote.price_type
    )
    assert "21 KGS" in reply_of(twilio_post(client, params(sid="SMp2")))


def test_a_price_changed_by_another_process_is_seen_within_a_second(
    client, sms_redis, unflushed, a_price, monkeypatch
):
    monkeypatch.setattr(memo, "CHECK_EVERY_SECONDS", 0.0)  # the second, shortened
    for sid in ("SMo1", "SMo2"):  # the first sets up the shared version
        assert "18 KGS" in reply_of(twilio_post(client, params(sid=sid)))
    # What another process leaves in the database; no signal reaches this one.
    Quote.objects.update(updated_at=timezone.now())
    LatestPrice.objects.update(price=Decimal("23"))
    assert "18 KGS" in reply_of(twilio_post(client, params(sid="SMo3")))  # remembered
    selectors.latest_prices_changed()  # what the other process does once it committed
    assert "23 KGS" in reply_of(twilio_post(client, params(sid="SMo4")))


def test_an_emptied_cache_starts_new_versions_at_once(client, sms_redis, unflushed, a_price):
    """A restarted or flushed cache must not leave every process computing every reply
    (and unable to remember one) until its next checks."""
    first = selectors.reference_version()
    sms_redis.flushdb()
    second = selectors.reference_version()
    assert second is not None and second != first
    assert selectors.reference_version() == second
    twilio_post(client, params(sid="SMv1"))
    LatestPrice.objects.update(price=Decimal("29"))  # unseen: no signal, no version moved
    assert "18 KGS" in reply_of(twilio_post(client, params(sid="SMv2")))


def test_nothing_is_remembered_while_the_cache_is_unreachable(
    client, sms_redis, unflushed, a_price, settings
):
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": CLOSED}}
    assert selectors.reference_version() is None
    twilio_post(client, params(sid="SMu1"))
    LatestPrice.objects.update(price=Decimal("29"))
    assert "29 KGS" in reply_of(twilio_post(client, params(sid="SMu2")))


def test_a_short_code_is_not_answered_but_kept(client, sms_redis, unflushed, a_price):
    assert reply_of(twilio_post(client, params(sender="40404", sid="SMs1"))) is None
    services.flush_journal()
    assert InboundMessage.objects.get().action == "ignored"
    assert not Subscriber.objects.exists()


def test_without_redis_questions_take_the_database_lane(client, sms_redis, settings, a_price):
    settings.SMS_REDIS_URL = CLOSED
    response = twilio_post(client, params(sid="SMd1"))
    assert reply_of(response).startswith("Potatoes Osh")
    assert InboundMessage.objects.get().provider_sid == "SMd1"  # stored in the request
    # Found unreachable: the next messages do not dial it again for a while.
    settings.SMS_REDIS_URL = REDIS_URL
    twilio_post(client, params(sid="SMd2"))
    assert InboundMessage.objects.filter(provider_sid="SMd2").exists()
    assert journal.pending(sms_redis) == 0


def test_phone_numbers_are_masked_in_the_fast_lanes_logs(
    client, sms_redis, unflushed, a_price, caplog
):
    caplog.set_level("INFO")
    twilio_post(client, params(sender=FARMER))
    assert "answered from memory" in caplog.text
    assert FARMER not in caplog.text


def _journal(client: redis.Redis) -> list[journal.Entry]:
    import json

    return [json.loads(item) for item in client.lrange(journal.JOURNAL_KEY, 0, -1)]


def test_a_real_worker_writes_what_the_webhook_answered(
    client, celery_worker_on_redis, sms_redis, settings, a_price
):
    settings.SMS_JOURNAL_DELAY_SECONDS = 0.2
    senders = [f"+99655512{n:04d}" for n in range(20)]
    answers = [
        reply_of(twilio_post(client, params(sid=f"SMk{n}", sender=sender)))
        for n, sender in enumerate(senders)
    ]
    assert all(answer.startswith("Potatoes Osh") for answer in answers)
    # Watched in Redis, not the database: on SQLite a read while the worker writes would
    # lock the table under it. The journal is trimmed only after the database commit.
    deadline = time.monotonic() + 30
    while journal.pending(sms_redis) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(InboundMessage.objects.values_list("sender", flat=True)) == senders
    assert Subscriber.objects.count() == len(senders)
