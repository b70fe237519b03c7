"""Telegram: the bot's webhook refuses what Telegram did not send, acts on each update
once, answers through sendMessage (a local stand-in for the Bot API here), in the
asker's language; STOP, subscriptions, alerts and broadcasts reach Telegram chats like
any other address."""

from __future__ import annotations

import io
import itertools
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agriprices.models import Commodity, Market, Quote
from agriprices.services.recording import record_quote
from sms_gateway import broadcasts, outbound, tasks
from sms_gateway.channels import inbound
from sms_gateway.channels.telegram import MOST, fits_telegram
from sms_gateway.models import InboundMessage, OutboundMessage, Subscriber, Subscription
from tests import factories

pytestmark = pytest.mark.django_db
SECRET = "test-webhook-secret_not-a-secret"
TOKEN = "123456:test-bot-token-not-a-secret"  # noqa: S105 - a local stand-in's token
CHAT = 555000111
updates = itertools.count(1000)


class BotApi:
    """The Bot API on loopback: records every method called with its JSON (and when),
    and answers ok, or what ``refuse`` scripts for the next sendMessage calls (a status,
    a description and, for flood control, ``parameters``)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.called_at: list[float] = []
        self.refuse: list[tuple[int, str] | tuple[int, str, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                token, _, method = self.path.removeprefix("/bot").partition("/")
                assert token == TOKEN
                stub.calls.append((method, body))
                stub.called_at.append(time.monotonic())
                status, answer = 200, {"ok": True, "result": {"message_id": len(stub.calls)}}
                if method == "sendMessage" and stub.refuse:
                    status, description, *parameters = stub.refuse.pop(0)
                    answer = {"ok": False, "error_code": status, "description": description}
                    if parameters:
                        answer["parameters"] = parameters[0]
                if method == "setWebhook":
                    answer = {"ok": True, "result": True, "description": "Webhook was set"}
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def sent(self) -> list[dict]:
        return [body for method, body in self.calls if method == "sendMessage"]


@pytest.fixture
def bot_api(settings) -> Iterator[BotApi]:
    stub = BotApi()
    thread = threading.Thread(target=stub.server.serve_forever, daemon=True)
    thread.start()
    settings.TELEGRAM_API_BASE = stub.url
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


@pytest.fixture
def telegram(client, bot_api, django_capture_on_commit_callbacks):
    """Sends a chat's text as Telegram posts it; the replies are sent once committed."""

    def send(
        text,
        *,
        chat=CHAT,
        update_id=None,
        message_id=None,
        secret=SECRET,
        kind="private",
        language_code=None,
        **fields,
    ):
        """``text`` None: a message without it; ``fields``: the message's others (a
        photo, a caption, a voice note); ``language_code``: the sender's app's."""
        person = {"id": chat, "is_bot": False, "first_name": "Aibek"}
        if language_code is not None:
            person["language_code"] = language_code
        number = next(updates) if update_id is None else update_id
        update = {
            "update_id": number,
            "message": {
                "message_id": number if message_id is None else message_id,
                "date": 1764990000,
                "chat": {"id": chat, "type": kind, "first_name": "Aibek"},
                "from": person,
                **({} if text is None else {"text": text}),
                **fields,
            },
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/telegram/webhook/",
                json.dumps(update),
                content_type="application/json",
                HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret,
            )

    return send


def replies(bot_api: BotApi, chat: int = CHAT) -> list[str]:
    return [body["text"] for body in bot_api.sent() if body["chat_id"] == chat]


def test_a_request_without_the_secret_is_refused_and_changes_nothing(telegram, bot_api, client):
    assert telegram("POTATO OSH", secret="guessed").status_code == 403
    unsigned = client.post("/telegram/webhook/", "{}", content_type="application/json")
    assert unsigned.status_code == 403
    assert not InboundMessage.objects.exists() and not Subscriber.objects.exists()
    assert bot_api.calls == []


def test_without_a_secret_set_there_is_no_bot(telegram, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    assert telegram("POTATO OSH", secret="").status_code == 404


def test_a_malformed_update_is_refused_saying_what_is_missing(client, bot_api):
    answer = client.post(
        "/telegram/webhook/",
        "not json",
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET,
    )
    assert answer.status_code == 400 and b"update_id" in answer.content


def test_a_resent_update_is_acted_on_and_answered_once(telegram, bot_api, a_price):
    first = telegram("potatoes osh", update_id=42)
    again = telegram("potatoes osh", update_id=42)
    assert first.status_code == again.status_code == 200
    stored = InboundMessage.objects.get()
    assert (stored.provider, stored.provider_sid, stored.sender) == (
        "telegram",
        f"{CHAT}:42",
        f"telegram:{CHAT}",
    )
    [reply] = replies(bot_api)
    assert reply.startswith("Potatoes Osh: 18 KGS/kg") and reply == stored.reply
    assert OutboundMessage.objects.get().status == "sent"


def test_a_new_message_under_an_update_id_seen_before_is_still_answered(telegram, bot_api, a_price):
    # Telegram picks update ids at random after a week without updates, and a new bot
    # token starts them over: only the chat's message id tells a resend from a new one.
    telegram("potatoes osh", update_id=42, message_id=1)
    telegram("HELP", update_id=42, message_id=2)
    telegram("potatoes osh", chat=CHAT + 1, update_id=42, message_id=1)
    assert len(replies(bot_api)) == 2 and len(replies(bot_api, CHAT + 1)) == 1
    assert replies(bot_api)[1].startswith("Send CROP MARKET")
    assert InboundMessage.objects.count() == 3


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"update_id": "42", "message": {}}, b"update_id"),
        ({"update_id": 10**70, "message": {}}, b"update_id"),
        ({"update_id": True}, b"update_id"),
        (
            {"update_id": 43, "message": {"chat": {"id": "x" * 80, "type": "private"}}},
            b"chat.id",
        ),
        ({"update_id": 44, "message": {"chat": {"id": 10**70, "type": "private"}}}, b"chat.id"),
        ({"update_id": 45, "message": {"chat": {"type": "private"}, "text": "HELP"}}, b"chat.id"),
    ],
)
def test_an_update_with_ids_telegram_never_writes_is_refused_naming_them(
    client, bot_api, settings, tmp_path, update, field
):
    # Left to the database, a value too long for its column was taken for the database
    # being down: spooled, replayed every 30 s and failing, holding back every message
    # spooled behind it.
    settings.SMS_SPOOL_DIR = str(tmp_path)
    settings.SMS_REDIS_URL = ""
    answer = client.post(
        "/telegram/webhook/",
        json.dumps(update),
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET,
    )
    assert answer.status_code == 400 and field in answer.content
    assert not InboundMessage.objects.exists() and not Subscriber.objects.exists()
    assert list(tmp_path.iterdir()) == [] and bot_api.calls == []


def test_stop_with_words_after_it_is_read_as_those_words_are_on_every_channel(
    telegram, bot_api, potatoes, osh
):
    telegram("SUB POTATO OSH")
    telegram("SUB POTATO OSH", chat=CHAT + 1)
    telegram("/stop potato osh")
    telegram("STOP potato osh", chat=CHAT + 1)
    subscriber = Subscriber.objects.get(phone=f"telegram:{CHAT}")
    assert not subscriber.opted_out and subscriber.subscriptions.count() == 1
    assert replies(bot_api)[-1] == replies(bot_api, CHAT + 1)[-1]
    assert "UNSUB" in replies(bot_api)[-1]
    telegram("/stop@AgriPricesBot")
    subscriber.refresh_from_db()
    assert subscriber.opted_out


def test_start_welcomes_and_says_how_to_ask_and_help_too(telegram, bot_api):
    telegram("/start")
    telegram("/help@AgriPricesBot")
    welcome, how = replies(bot_api)
    # A chat's first message is /start: it is welcomed, not welcomed back.
    assert welcome.startswith("Welcome. Send HELP") and "POTATO OSH" in welcome
    assert "POTATO OSH" in how
    assert Subscriber.objects.get().phone == f"telegram:{CHAT}"


#: What each language's chat texts call our messages ("SMS" in none of them).
MESSAGES = {"en": "message", "fr": "message", "ru": "сообщени", "ky": "билдирүү"}


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_a_chat_is_never_told_of_sms_it_does_not_get(telegram, bot_api, potatoes, osh, language):
    telegram(f"LANG {language}")
    for text in (
        "HELP",
        "SUB POTATO OSH ALERT",
        "STOP POTATO OSH",  # asks how to stop what it follows
        "UNSUB WHEAT",  # names nothing followed: how to unsubscribe, or stop everything
        "STOP",
        "/start",
    ):
        telegram(text)
    told = replies(bot_api)[1:]
    assert [reply for reply in told if "SMS" in reply] == []
    # Each says how to stop the chat's messages in the chat's word for them.
    assert all(MESSAGES[language] in reply.casefold() for reply in told[:5])
    # The same words by SMS still speak of SMS.
    factories.SubscriberFactory(phone="+996555123456", language=language)
    _, sms_help = inbound.simulate(sender="+996555123456", body="HELP")
    assert MESSAGES[language] not in sms_help.casefold()


@pytest.mark.parametrize(
    ("language_code", "welcome"),
    [
        ("ru-RU", "Добро пожаловать!"),
        ("ky", "Кош келиңиз!"),
        ("fr", "Bienvenue."),
        ("en-GB", "Welcome."),
        ("pt-br", "Welcome."),  # not ours: the service's default
        (7, "Welcome."),  # never from Telegram; read as no language
    ],
)
def test_a_new_chat_is_answered_in_its_apps_language(telegram, bot_api, language_code, welcome):
    telegram("/start", language_code=language_code)
    telegram("/help", language_code=language_code)
    welcomed, helped = replies(bot_api)
    assert welcomed.startswith(welcome)
    assert helped == welcomed.split("\n\n")[1]  # /help too, in the same language
    chat = Subscriber.objects.get()
    assert chat.language == ""  # nothing chosen: LANG stays the farmer's to say


def test_the_apps_language_yields_to_lang_and_to_the_words_written(telegram, bot_api, a_price):
    telegram("/start", language_code="ru")
    telegram("how much are potatoes in osh?", language_code="ru")  # English words
    telegram("LANG KY", language_code="ru")
    telegram("/help", language_code="ru")
    welcome, price, chosen, how = replies(bot_api)
    assert welcome.startswith("Добро пожаловать!")
    assert price.startswith("Potatoes Osh: 18 KGS/kg")  # as asked, in English
    assert chosen == "Эми жооптор кыргызча." and how.startswith("ТОВАР БАЗАР")
    chat = Subscriber.objects.get()
    assert (chat.language, chat.app_language) == ("ky", "ru")


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


def test_a_chat_spooled_while_the_database_was_down_keeps_its_apps_language(
    telegram, bot_api, settings, tmp_path, django_capture_on_commit_callbacks
):
    from sms_gateway import spool
    from tests.sms_gateway.test_recovery import failing_on

    settings.SMS_REDIS_URL, settings.SMS_SPOOL_DIR = "", str(tmp_path)
    with failing_on("sms_gateway_inboundmessage"):
        assert telegram("/start", language_code="ky").status_code == 200
    assert spool.pending() == 1 and bot_api.calls == []
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound.replay_spool() == 1
    [welcome] = replies(bot_api)
    assert welcome.startswith("Кош келиңиз!")


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


def test_group_chats_and_edits_are_acknowledged_and_left(telegram, bot_api, client):
    assert telegram("potatoes osh", kind="group", chat=-1001).status_code == 200
    edit = {"update_id": 9, "edited_message": {"chat": {"id": CHAT, "type": "private"}}}
    answer = client.post(
        "/telegram/webhook/",
        json.dumps(edit),
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET,
    )
    assert answer.status_code == 200
    assert not InboundMessage.objects.exists() and bot_api.calls == []


PHOTO = [{"file_id": "AgAD-photo", "file_unique_id": "p1", "width": 90, "height": 90}]


def test_a_photo_with_a_caption_is_answered_by_its_caption_once(telegram, bot_api, a_price):
    for _ in range(2):  # Telegram sending the update again
        telegram(None, update_id=77, photo=PHOTO, caption="potatoes osh?")
    [reply] = replies(bot_api)
    assert reply.startswith("Potatoes Osh: 18 KGS/kg")
    assert InboundMessage.objects.get().body == "potatoes osh?"
    telegram(None, document={"file_id": "AgAD-doc"}, caption="HELP")
    assert replies(bot_api)[-1].startswith("Send CROP MARKET")


@pytest.mark.parametrize(
    "fields",
    [
        {"voice": {"file_id": "AwAD-voice", "duration": 4}},
        {"sticker": {"file_id": "CAAD-sticker", "emoji": "\U0001f44d"}},
        {"photo": PHOTO},
        {"location": {"latitude": 40.51, "longitude": 72.8}},
    ],
)
def test_a_message_without_words_is_told_once_how_to_ask(telegram, bot_api, fields):
    # A voice note or a photo alone is a farmer asking something we cannot read: told
    # how to ask in words, as an empty SMS is; once, however often Telegram sends it.
    for _ in range(2):
        assert telegram(None, update_id=88, **fields).status_code == 200
    [reply] = replies(bot_api)
    assert reply.startswith("Send CROP MARKET, e.g. POTATO OSH.")
    assert InboundMessage.objects.get().action == "help"


def test_a_service_message_is_acknowledged_and_left(telegram, bot_api):
    pinned = {"message_id": 5, "chat": {"id": CHAT, "type": "private"}, "date": 1}
    assert telegram(None, pinned_message=pinned).status_code == 200
    assert telegram(["not", "text"], caption=7).status_code == 200  # never from Telegram
    assert not InboundMessage.objects.exists() and bot_api.calls == []


def test_the_telegram_limit_counts_as_telegram_does():
    assert fits_telegram("a" * MOST) and not fits_telegram("a" * (MOST + 1))
    assert fits_telegram("ж" * MOST)  # one code unit each, like Latin letters
    assert not fits_telegram("🌾" * (MOST // 2 + 1))  # two each, beyond the BMP


@pytest.mark.parametrize(
    "url",
    [
        "https://prices.example.org/telegram/webhook/",
        "https://prices.example.org:8443/telegram/webhook/",
        "https://prices.example.org:88/telegram/webhook/",
    ],
)
def test_the_webhook_command_registers_the_url_with_the_secret(bot_api, url):
    out = io.StringIO()
    call_command("telegram_webhook", "--url", url, stdout=out)
    assert bot_api.calls == [
        ("setWebhook", {"url": url, "secret_token": SECRET, "allowed_updates": ["message"]})
    ]
    assert url in out.getvalue()


@pytest.mark.parametrize(
    ("url", "secret", "said"),
    [
        ("http://prices.example.org/telegram/webhook/", SECRET, "--url"),
        ("prices.example.org", SECRET, "--url"),
        # setWebhook takes only ports 443, 80, 88 and 8443.
        ("https://prices.example.org:8080/telegram/webhook/", SECRET, "port"),
        ("https://prices.example.org:444/telegram/webhook/", SECRET, "8443"),
        ("https://prices.example.org:99999/telegram/webhook/", SECRET, "port"),
        ("https://prices.example.org:http/telegram/webhook/", SECRET, "port"),
        ("http://prices.example.org:8443/telegram/webhook/", SECRET, "https"),
        ("https://prices.example.org/telegram/webhook/", "", "TELEGRAM_WEBHOOK_SECRET"),
        ("https://prices.example.org/telegram/webhook/", "has spaces", "TELEGRAM_WEBHOOK_SECRET"),
    ],
)
def test_the_webhook_command_refuses_what_telegram_would(bot_api, settings, url, secret, said):
    settings.TELEGRAM_WEBHOOK_SECRET = secret
    with pytest.raises(CommandError, match=said):
        call_command("telegram_webhook", "--url", url)
    assert bot_api.calls == []


# The demo catalogue (names in every language) stays for the rest of a module once
# seeded: these come last.


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("how much are potatoes in osh?", "en"),
        ("prix des pommes de terre à osh", "fr"),
        ("сколько стоит картошка в Оше?", "ru"),
        ("Ош базарында картошка канча?", "ky"),
    ],
)
def test_a_price_question_is_answered_in_its_language_with_every_market(
    telegram, bot_api, demo, text, language
):
    telegram(text)
    [reply] = replies(bot_api)
    potatoes, osh = Commodity.objects.get(name="Potatoes"), Market.objects.get(name="Osh")
    first, *rest = reply.splitlines()
    assert first.startswith(f"{potatoes.display_name(language)} {osh.display_name(language)}: ")
    # Room for every market, cheapest first, as on WhatsApp.
    assert any(osh.display_name(language) in line for line in rest[2:])
    assert fits_telegram(reply)
