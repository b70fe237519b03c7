"""A Telegram chat's conversation: the bot commands, the language it is answered in (its
app's, where neither LANG nor its words say another) and a chat's words for our
messages."""

from __future__ import annotations

import pytest

from agriprices.models import Commodity, Market
from sms_gateway.channels import inbound
from sms_gateway.channels.telegram import fits_telegram
from sms_gateway.models import Subscriber
from tests import factories
from tests.sms_gateway.telegram_bot.bot import CHAT, replies

pytestmark = pytest.mark.django_db


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
