"""Telegram's webhook: it refuses what Telegram did not send, acts on each message once
(by its chat and message id), reads captions, tells a message without words how to ask,
leaves what nobody wrote; the command that registers it refuses what Telegram would."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from sms_gateway.channels.telegram import MOST, fits_telegram
from sms_gateway.models import InboundMessage, OutboundMessage, Subscriber
from tests.sms_gateway.telegram_bot.bot import CHAT, SECRET, replies

pytestmark = pytest.mark.django_db


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
