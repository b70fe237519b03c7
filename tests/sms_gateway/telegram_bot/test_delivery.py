"""What reaches a Telegram chat unasked or later: alerts, broadcasts (by language too),
STOP and START, a chat that blocked the bot, Telegram's flood control waited out."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agriprices.models import Quote
from agriprices.services.recording import record_quote
from sms_gateway import broadcasts, outbound, tasks
from sms_gateway.models import OutboundMessage, Subscriber, Subscription
from tests import factories
from tests.sms_gateway.telegram_bot.bot import CHAT, replies

pytestmark = pytest.mark.django_db


def test_a_chat_whose_language_nothing_else_says_is_alerted_in_its_apps(
    telegram, bot_api, a_price, potatoes, osh, django_capture_on_commit_callbacks
):
    telegram("SUB", language_code="ru")  # names nothing, tells no language
    assert replies(bot_api)[-1].startswith("Отправьте SUB ТОВАР РЫНОК")
    # An alert followed with no language of its own (added before, or by an operator).
    factories.SubscriptionFactory(
        subscriber=Subscriber.objects.get(),
        commodity=potatoes,
        market=osh,
        kind="alert",
        alert_base_price=18,
        language="",
    )
    with django_capture_on_commit_callbacks(execute=True):
        record_quote(
            agent=None,
            commodity=potatoes,
            market=osh,
            unit=potatoes.base_unit,
            price=Decimal("27"),
            observed_on=timezone.localdate(),
            source=Quote.Source.IMPORT,
        )
    assert replies(bot_api)[-1].startswith("Цена изменилась: ")


def test_a_broadcast_in_a_language_reaches_the_chats_whose_app_reads_it(telegram, osh, potatoes):
    for chat, code in ((CHAT, "ru"), (CHAT + 1, "en"), (CHAT + 2, None)):
        telegram("/start", chat=chat, language_code=code)
        follower = Subscriber.objects.get(phone=f"telegram:{chat}")
        factories.SubscriptionFactory(
            subscriber=follower, commodity=potatoes, market=osh, language=""
        )
    reached = {
        language: set(
            broadcasts.recipients(region_ids=[osh.region_id], language=language).values_list(
                "phone", flat=True
            )
        )
        for language in ("ru", "en", "ky")
    }
    assert reached == {
        "ru": {f"telegram:{CHAT}"},
        "en": {f"telegram:{CHAT + 1}", f"telegram:{CHAT + 2}"},  # the default's too
        "ky": set(),
    }


def test_stop_stops_alerts_and_start_brings_them_back(telegram, bot_api, a_price, potatoes, osh):
    telegram("SUB POTATOES OSH ALERT")
    assert Subscription.objects.get().subscriber.phone == f"telegram:{CHAT}"
    telegram("STOP")
    chat = Subscriber.objects.get()
    assert chat.opted_out
    assert outbound_refused(f"telegram:{CHAT}")
    telegram("/start")
    chat.refresh_from_db()
    assert not chat.opted_out


def outbound_refused(address: str) -> bool:
    from sms_gateway import outbound

    try:
        outbound.queue_sms(to=address, body="Bulletin", idempotency_key=f"t:{address}")
    except outbound.NotSendable:
        return True
    return False


def test_a_subscriptions_alert_reaches_the_chat(
    telegram, bot_api, a_price, potatoes, osh, django_capture_on_commit_callbacks
):
    telegram("SUB POTATOES OSH ALERT")
    with django_capture_on_commit_callbacks(execute=True):
        record_quote(
            agent=None,
            commodity=potatoes,
            market=osh,
            unit=potatoes.base_unit,
            price=Decimal("27"),
            observed_on=timezone.localdate(),
            source=Quote.Source.IMPORT,
        )
    subscribed, alert = replies(bot_api)
    assert "Potatoes" in subscribed
    assert alert.startswith("Price alert: Potatoes Osh: 27 KGS/kg") and "(+50%)" in alert


def test_a_broadcast_reaches_telegram_and_sms_followers_alike(
    telegram, bot_api, a_price, osh, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "sms_gateway.backends.locmem.LocmemBackend"
    from sms_gateway.backends import locmem

    locmem.outbox.clear()
    telegram("SUB POTATOES OSH")
    by_sms = factories.SubscriberFactory(phone="+996555123456")
    factories.SubscriptionFactory(subscriber=by_sms, commodity=a_price.commodity, market=osh)
    with django_capture_on_commit_callbacks(execute=True):
        broadcasts.start_broadcast(key="frost:1", body="Frost tonight", region_ids=[osh.region_id])
    assert replies(bot_api)[-1] == "Frost tonight"
    assert [m["to"] for m in locmem.outbox] == ["+996555123456"]


def test_a_chat_that_blocked_the_bot_is_sent_nothing_more_until_it_starts_again(
    telegram, bot_api, a_price
):
    bot_api.refuse.append((403, "Forbidden: bot was blocked by the user"))
    telegram("potatoes osh")
    chat = Subscriber.objects.get()
    assert chat.undeliverable
    assert OutboundMessage.objects.get().status == "failed"
    telegram("/start")
    chat.refresh_from_db()
    assert not chat.undeliverable
    assert replies(bot_api)[-1].startswith("Welcome back.")


def test_flood_control_is_waited_out_as_long_as_telegram_asks(telegram, bot_api, a_price, clock):
    # An hour: longer than the recovery sweep waits before publishing a send again.
    bot_api.refuse.append((429, "Too Many Requests: retry after 3600", {"retry_after": 3600}))
    asked = timezone.now()
    telegram("potatoes osh")
    message = OutboundMessage.objects.get()
    assert message.status == "queued" and "429" in message.last_error
    assert message.retry_at >= asked + timedelta(seconds=3600)
    clock(3500)
    assert outbound.recover_stalled()["published"] == 0
    assert tasks.send_outbound.delay(message.pk).get() == "retry"  # a task come early
    assert len(bot_api.sent()) == 1  # Telegram not asked again before its time
    clock(3601)
    assert outbound.recover_stalled()["published"] == 1
    refused, answered = replies(bot_api)
    assert answered == refused and answered.startswith("Potatoes Osh: 18 KGS/kg")
    assert OutboundMessage.objects.get().status == "sent"


@pytest.mark.redis
def test_a_real_worker_sends_again_no_sooner_than_telegram_asks(celery_worker_on_redis, bot_api):
    from django.db import transaction

    # Without Telegram's word the first retry comes within 2 s (backoff, full jitter).
    bot_api.refuse.append((429, "Too Many Requests: retry after 5", {"retry_after": 5}))
    with transaction.atomic():
        message = outbound.queue_sms(
            to=f"telegram:{CHAT}", body="Reply", idempotency_key="reply:tg", priority="reply"
        )
    # The stub is watched first, the database only at the end (SQLite locks under a
    # reader while the worker writes).
    deadline = time.monotonic() + 60
    while len(bot_api.sent()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        message.refresh_from_db()
        if message.status == "sent":
            break
    assert (message.status, message.attempts, len(bot_api.sent())) == ("sent", 2, 2)
    refused_at, sent_at = bot_api.called_at
    assert sent_at - refused_at >= 5  # the wait Telegram asked for, not a speed
