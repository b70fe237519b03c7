"""The voice line through Twilio's webhook on the demo catalogue: the signature, the
language choice remembered, the menus walked with Digits in four languages, the price
said as one sentence of clips, every clip played serving real audio, no Kyrgyz <Say>, a
resent webhook acting once, the SMS follow-up sent once, the limits."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from twilio.request_validator import RequestValidator

from agriprices import spoken
from agriprices.declension import locative
from agriprices.models import Commodity, LatestPrice, Market
from agriprices.services.series import refresh_latest_price
from sms_gateway.backends import locmem
from sms_gateway.models import InboundMessage, OutboundMessage, Subscriber, Subscription
from tests import factories
from tests.voice.conftest import TWILIO_TOKEN, Call, seconds
from voice.models import VoiceCall

pytestmark = pytest.mark.django_db
LANGUAGE_KEY = {"en": "1", "fr": "2", "ru": "3", "ky": "4"}
PRICE, SELL, SUBSCRIBE, UNSUBSCRIBE = "1", "2", "3", "4"


def choose(call: Call, heard, name: str) -> None:
    """Press the key the menu says for ``name`` (paging with 0 until it is said)."""
    for _page in range(10):
        words = heard.words(call.plays()).split(" | ")
        if name in words:
            at = words.index(name)
            key = next(w for w in words[at + 1 :] if w not in ("press", "нажмите", "appuyez sur"))
            digit = _digit_of(key)
            call.press(digit)
            return
        call.press("0")
    raise AssertionError(f"{name} never offered: {heard.words(call.plays())}")


def _digit_of(word: str) -> str:
    for language in ("en", "fr", "ru", "ky"):
        for n in range(1, 10):
            if spoken.number(n, language) == word:
                return str(n)
    raise AssertionError(f"{word!r} is no key")


def test_a_call_is_refused_without_twilios_signature(client, demo):
    call = Call(client)
    assert call.post(call.url, token="someone-elses-token").status_code == 403
    good = call.params("1")
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(call.url, good)
    forged = call.post(call.url, digits="2", signature=signature)  # another key, same signature
    assert forged.status_code == 403
    assert not VoiceCall.objects.exists() and not Subscriber.objects.exists()
    assert client.get("/voice/twilio/").status_code == 405


def test_the_first_call_offers_every_language_each_in_itself(client, heard):
    call = Call(client)
    call.start()
    said = heard.words(call.plays())
    assert said.startswith("Welcome to AgriPrices")
    for language, key in LANGUAGE_KEY.items():
        assert spoken.number(int(key), language) in said.split(" | ")
    assert call.twiml.find("Gather").get("numDigits") == "1"


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_the_menu_walk_says_the_price_as_one_sentence(client, heard, language):
    crop, market = Commodity.objects.get(slug="potatoes"), Market.objects.get(slug="osh")
    latest = LatestPrice.objects.get(commodity=crop, market=market, price_type="retail")
    call = Call(client)
    call.start()
    call.press(LANGUAGE_KEY[language])
    call.press(PRICE)
    choose(call, heard, crop.display_name(language))
    choose(call, heard, market.display_name(language))
    said = heard.words(call.plays())
    assert "?" not in said.split(" | ")
    price_words = " | ".join(spoken.price(latest.price_per_base_unit, "KGS", language).split())
    pieces = said.split(" | ")
    named = {crop.display_name(language), locative(market, language)}
    assert set(pieces[:2]) == named  # in the order the language puts them
    assert price_words.replace("-", " | ") in said
    days = (timezone.localdate() - latest.observed_on).days
    assert spoken.number(days, language).split()[0] in said or days < 2
    gather = call.twiml.find("Gather")
    assert gather is not None and "f=" in gather.get("action")
    assert Subscriber.objects.get(phone=call.phone).language == language
    logged = InboundMessage.objects.get(provider="voice")
    assert logged.action == "query" and logged.reply.startswith(crop.display_name(language)[:5])


def test_the_language_chosen_is_remembered_for_the_next_call(client, heard):
    first = Call(client)
    first.start()
    first.press(LANGUAGE_KEY["ru"])
    again = Call(client, phone=first.phone)
    again.start()
    said = heard.words(again.plays())
    assert "Цены" in said.split(" | ")  # the menu in Russian, no language choice first
    assert "For English, press" not in said


def test_every_play_in_every_reachable_answer_serves_audio(client, heard):
    """Every menu of every language (every page, every crop's markets) and an answer of
    each kind: every <Play> fetched, its audio measured."""
    urls: set[str] = set()
    for language, key in LANGUAGE_KEY.items():
        crops = list(Commodity.objects.all()[:40])
        for index, crop in enumerate(crops):
            call = Call(client)
            call.start()
            urls.update(call.plays())
            call.press(key)
            urls.update(call.plays())
            call.press(PRICE if index % 2 else SELL)
            urls.update(call.plays())
            choose(call, heard, crop.display_name(language))
            urls.update(call.plays())
            if call.twiml.find("Gather") is not None and "f=" not in call.twiml.find("Gather").get(
                "action"
            ):
                call.press("1")  # the first market offered
                urls.update(call.plays())
            call.press("1")  # by SMS
            urls.update(call.plays())
    assert len(urls) > 200
    for url in urls:
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, url
        assert response["Content-Type"] == "audio/wav"
        assert "immutable" in response["Cache-Control"]
        assert seconds(b"".join(response.streaming_content)) > 0.05, url


def test_no_say_in_kyrgyz_even_with_a_voice_named_for_it(client, heard, settings):
    settings.VOICE_SAY_VOICES = {
        "en": "Polly.Joanna",
        "fr": "Polly.Celine",
        "ru": "Polly.Tatyana",
        "ky": "Polly.Anything",
    }
    ky = Call(client)
    ky.start()
    ky.press(LANGUAGE_KEY["ky"])
    ky.press(PRICE)
    assert not ky.says() and ky.plays()
    ru = Call(client)
    ru.start()
    ru.press(LANGUAGE_KEY["ru"])
    said = ru.says()
    assert said and {s.get("voice") for s in said} == {"Polly.Tatyana"}
    assert {s.get("language") for s in said} == {"ru-RU"}
    assert "Цены" in " ".join(s.text for s in said)
    # Said at start, so that nobody takes the Kyrgyz voice for one in use.
    from voice.checks import say_voices

    [warning] = say_voices()
    assert warning.id == "voice.W002" and "for ky," in warning.msg
    settings.VOICE_SAY_VOICES = {"ru": "Polly.Tatyana"}
    assert say_voices() == []


def test_a_resent_webhook_acts_once(client, heard):
    crop, market = Commodity.objects.get(slug="onions"), Market.objects.get(slug="naryn")
    call = Call(client)
    call.start()
    call.press(LANGUAGE_KEY["en"])
    call.press(SUBSCRIBE)
    choose(call, heard, crop.display_name("en"))
    choose(call, heard, market.display_name("en"))
    first = call.twiml
    Subscription.objects.all().delete()  # had it acted again, it would be back
    again = call.resend()
    assert again.find("Gather").get("action") == first.find("Gather").get("action")
    assert [p.text for p in again.iter("Play")] == [p.text for p in first.iter("Play")]
    assert not Subscription.objects.exists()
    assert InboundMessage.objects.filter(provider="voice").count() == 1


def test_press_one_sends_the_answer_by_sms_once(client, heard, django_capture_on_commit_callbacks):
    call = Call(client)
    call.keys(LANGUAGE_KEY["fr"], PRICE, "1", "1")
    answer = InboundMessage.objects.get(provider="voice").reply
    with django_capture_on_commit_callbacks(execute=True):
        call.press("1")  # by SMS
        call.resend()
        call.press("1")  # pressed again after hearing it was sent
    assert heard.words(call.plays()).startswith("Le SMS est en route")
    sent = OutboundMessage.objects.get()
    assert (sent.to, sent.body, sent.priority) == (call.phone, answer, "reply")
    assert [m["body"] for m in locmem.outbox] == [answer]


def test_press_two_asks_for_another_price(client, heard):
    call = Call(client)
    call.keys(LANGUAGE_KEY["en"], PRICE, "1", "1", "2")
    assert heard.words(call.plays()).startswith("Choose a crop")
    call.press("2")
    call.press("1")
    assert InboundMessage.objects.filter(provider="voice").count() == 2


def test_a_wrong_key_says_the_menu_again_with_a_note(client, heard):
    call = Call(client)
    call.start()
    call.press(LANGUAGE_KEY["en"])
    menu = heard.words(call.plays())
    call.press("9")
    again = heard.words(call.plays())
    assert again.startswith("Not a choice") and again.endswith(menu)
    call.press("#")
    assert heard.words(call.plays()).startswith("Not a choice")


def test_silence_says_the_menu_again_then_goodbye(client, heard):
    call = Call(client)
    call.start()
    call.press(LANGUAGE_KEY["en"])
    menu = call.plays()
    for _ in range(2):  # said three times in all
        call.silence()
        assert call.plays() == menu
    call.silence()
    assert heard.words(call.plays()) == "Thank you for calling. Goodbye"
    assert call.twiml.find("Hangup") is not None


def test_questions_by_voice_count_against_the_hourly_limit(client, heard, settings):
    settings.SMS_MAX_QUERIES_PER_HOUR = 1
    call = Call(client)
    call.keys(LANGUAGE_KEY["en"], PRICE, "1", "1", "2", "1", "1")
    assert heard.words(call.plays()).startswith("You asked many times this hour")
    assert call.twiml.find("Hangup") is not None
    assert InboundMessage.objects.filter(provider="voice").count() == 1


def test_the_sms_follow_up_counts_against_the_days_segments(client, heard, settings):
    settings.SMS_MAX_SEGMENTS_PER_DAY = 0
    call = Call(client)
    call.keys(LANGUAGE_KEY["en"], PRICE, "1", "1", "1")
    assert heard.words(call.plays()).startswith("You have had as many SMS")
    assert not OutboundMessage.objects.exists()


def test_a_number_we_do_not_serve_is_rejected_for_free(client, demo):
    call = Call(client, phone="+33612345678")
    call.start()
    assert call.twiml.find("Reject") is not None
    assert not Subscriber.objects.exists()


def test_a_request_outside_the_menus_is_refused(client, demo):
    call = Call(client)
    assert call.post("http://testserver/voice/twilio/?w=zz").status_code == 400
    assert call.post("http://testserver/voice/twilio/?a=12x").status_code == 400
    assert call.post("http://testserver/voice/twilio/?n=many").status_code == 400
    assert call.post("http://testserver/voice/twilio/?a=12%0A").status_code == 400
    assert call.post(call.url, digits="\n").status_code == 400  # no key, whatever $ says
    call.sid = "CA" + "f" * 100
    assert call.post(call.url).status_code == 400
    assert not VoiceCall.objects.exists()


def test_a_call_that_never_ends_is_told_goodbye(client, heard, monkeypatch):
    from voice import services

    monkeypatch.setattr(services, "MAX_REQUESTS", 4)
    call = Call(client)
    call.keys(LANGUAGE_KEY["en"], PRICE, "0", "0")
    assert heard.words(call.plays()) == "Thank you for calling. Goodbye"
    assert call.twiml.find("Hangup") is not None


def test_calls_are_forgotten_after_a_day(client, heard):
    old = Call(client)
    old.start()
    VoiceCall.objects.update(started_at=timezone.now() - timedelta(days=2))
    Call(client).start()
    assert VoiceCall.objects.count() == 1


def test_the_message_log_masks_the_callers_number(client, heard, admin_client):
    call = Call(client)
    call.keys(LANGUAGE_KEY["en"], PRICE, "1", "1")
    page = admin_client.get("/admin/sms_gateway/inboundmessage/").content.decode()
    assert "voice" in page and call.phone not in page and call.phone[-2:] in page


@pytest.mark.parametrize("who", ["operator", "superuser"])
def test_operators_see_calls_in_the_message_log_masked_on_every_page(client, heard, who):
    """The list and each call's own page: the number masked, for operators (who may
    read the log) and for superusers alike; a superuser has a link to the subscriber."""
    from django.contrib.auth.models import User

    call = Call(client)
    call.keys(LANGUAGE_KEY["en"], PRICE, "1", "1")
    logged = InboundMessage.objects.get(provider="voice")
    if who == "operator":
        reader = User.objects.get(username="operator")
    else:
        reader = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
        reader.save()
    client.force_login(reader)
    listed = client.get("/admin/sms_gateway/inboundmessage/?provider=voice")
    assert listed.status_code == 200
    detail = client.get(f"/admin/sms_gateway/inboundmessage/{logged.pk}/change/")
    assert detail.status_code == 200
    for page in (listed.content.decode(), detail.content.decode()):
        assert call.phone not in page and call.phone[-2:] in page
        assert call.phone.replace("+", "") not in page
    subscriber = Subscriber.objects.get(phone=call.phone)
    link = f"/admin/sms_gateway/subscriber/{subscriber.pk}/change/"
    assert (link in detail.content.decode()) == (who == "superuser")


class CountedCall(Call):
    """A call that counts the queries each of its requests makes."""

    def __init__(self, client):
        super().__init__(client)
        self.sql: list[list[str]] = []

    def post(self, *args, **kwargs):
        with CaptureQueriesContext(connection) as done:
            response = super().post(*args, **kwargs)
        self.sql.append([query["sql"] for query in done.captured_queries])
        return response

    @property
    def queries(self) -> list[int]:
        return [len(request) for request in self.sql]


def walks(client, heard) -> list[list[int]]:
    """The queries of each request of three calls: to a price (the first prompt, the
    language, the main menu, the crops, the markets, the answer), to where to sell, and
    to the crops' second page."""
    crop, market = Commodity.objects.get(slug="potatoes"), Market.objects.get(slug="osh")
    price, sell, more = CountedCall(client), CountedCall(client), CountedCall(client)
    for call, then in ((price, PRICE), (sell, SELL), (more, PRICE)):
        call.start()
        call.press(LANGUAGE_KEY["en"])
        call.press(then)
    choose(price, heard, crop.display_name("en"))
    choose(price, heard, market.display_name("en"))
    choose(sell, heard, crop.display_name("en"))
    more.press("0")
    # The menus say names, never a price: only the answer reads one.
    for request in price.sql[:-1] + sell.sql[:-1] + more.sql:
        assert not any("price_per_base_unit" in sql for sql in request), request
    return [price.queries, sell.queries, more.queries]


def test_each_menu_step_makes_as_many_queries_however_many_crops_and_markets(
    client, heard, django_capture_on_commit_callbacks
):
    """A menu names its crops and markets from the catalogue in memory and reads which
    markets have a price by their ids alone: no step of a call reads more as the
    catalogue grows (each walk is made twice, the second counted: the first loads the
    catalogue's names once for the process, and the price once for the cache)."""
    walks(client, heard)
    before = walks(client, heard)
    potatoes = Commodity.objects.get(slug="potatoes")
    with django_capture_on_commit_callbacks(execute=True):  # the names' new version
        for n in range(30):  # named to come after the demo's in every list
            market = factories.MarketFactory(name=f"Zz market {n:02d}")
            factories.QuoteFactory(commodity=potatoes, market=market, price=20 + n)
            refresh_latest_price(commodity_id=potatoes.pk, market_id=market.pk, price_type="retail")
        osh = Market.objects.get(slug="osh")
        for n in range(10):
            crop = factories.CommodityFactory(name=f"Zz crop {n:02d}")
            factories.QuoteFactory(commodity=crop, market=osh)
            refresh_latest_price(commodity_id=crop.pk, market_id=osh.pk, price_type="retail")
    walks(client, heard)
    assert walks(client, heard) == before
    # Pinned (savepoints included): the subscriber and the call, read (or made) and
    # kept, the recordings of what is said; the language kept once chosen; the markets
    # with a price of the crop; the price's change stamp (its rows cached under it)
    # and its record in the message log; whether any market pays for the crop (else
    # the crops again), then where to sell.
    first, chosen, menu = 13, 7, 6
    assert before == [
        [first, chosen, menu, menu, menu + 1, 13],
        [first, chosen, menu, menu, 13],
        [first, chosen, menu, menu],
    ]


# --- the call flow: no dead ends, no greeting twice, nothing offered twice ----------------


@pytest.fixture
def unpriced_crop(heard, django_capture_on_commit_callbacks):
    """A crop in the catalogue that no market has a price of, named to come first in
    the crops' menu (its clips known to ``heard``)."""
    with django_capture_on_commit_callbacks(execute=True):  # the names' new version
        crop = factories.CommodityFactory(name="Aa quinoa")
    heard.of("en")
    return crop


@pytest.mark.parametrize("then", [PRICE, SELL])
def test_a_crop_without_a_price_is_said_so_and_its_menu_offered_again(
    client, heard, unpriced_crop, then
):
    call = Call(client)
    call.start()
    call.press(LANGUAGE_KEY["en"])
    call.press(then)
    crops = heard.words(call.plays())
    choose(call, heard, unpriced_crop.display_name("en"))
    said = heard.words(call.plays())
    assert said == f"No price for | Aa quinoa | yet | {crops}"
    assert call.twiml.find("Hangup") is None and call.twiml.find("Gather") is not None
    assert not InboundMessage.objects.exists()  # nothing was asked of the core
    call.silence()  # the menu again, without the note
    assert heard.words(call.plays()) == crops
    # Back in the crops' menu: another crop is answered as ever.
    choose(call, heard, Commodity.objects.get(slug="potatoes").display_name("en"))
    if then == PRICE:
        choose(call, heard, Market.objects.get(slug="osh").display_name("en"))
    assert "To get this by SMS, press one" in heard.words(call.plays()).replace(" | ", " ")
    assert InboundMessage.objects.get().action == ("query" if then == PRICE else "sell")


def test_a_menu_with_nothing_in_it_says_so_and_the_main_menu_again(client, heard):
    call = Call(client)
    call.start()
    call.press(LANGUAGE_KEY["en"])
    main = heard.words(call.plays())
    call.press(UNSUBSCRIBE)  # the number follows nothing
    said = heard.words(call.plays())
    assert said == f"Nothing to choose here | {main}"
    assert call.twiml.find("Gather") is not None


def test_where_to_sell_with_nothing_to_send_offers_no_sms(
    client, heard, unpriced_crop, monkeypatch
):
    """The prices went between the menu and the answer: the answer says there is none,
    and pressing 1 is not offered for a message that has nothing in it."""
    from voice import menus

    crop = unpriced_crop
    monkeypatch.setattr(menus, "_sells", lambda crop: [True])
    call = Call(client)
    call.start()
    call.press(LANGUAGE_KEY["en"])
    call.press(SELL)
    choose(call, heard, crop.display_name("en"))
    said = heard.words(call.plays()).replace(" | ", " ")
    assert said.startswith("There is no recent price of Aa quinoa")
    assert "by SMS" not in said and "For another price, press two" in said
    call.press("1")
    assert heard.words(call.plays()).startswith("Not a choice")
    assert not OutboundMessage.objects.exists()


def test_silence_repeats_the_question_not_the_greeting(client, heard):
    call = Call(client)
    call.start()
    assert heard.words(call.plays()).startswith("Welcome to AgriPrices")
    call.silence()
    again = heard.words(call.plays())
    assert "Welcome" not in again and again.startswith("For English, press")
    call.press(LANGUAGE_KEY["en"])
    known = Call(client, phone=call.phone)  # the language known: the main menu first
    known.start()
    assert heard.words(known.plays()).startswith("Welcome to AgriPrices")
    known.silence()
    assert heard.words(known.plays()).startswith("Price of a crop")


def test_sms_is_not_offered_again_once_it_was_sent(
    client, heard, django_capture_on_commit_callbacks
):
    call = Call(client)
    call.keys(LANGUAGE_KEY["en"], PRICE, "1", "1")
    assert "To get this by SMS" in heard.words(call.plays())
    with django_capture_on_commit_callbacks(execute=True):
        call.press("1")
    assert heard.words(call.plays()).startswith("The SMS is on its way")
    call.silence()
    assert heard.words(call.plays()) == "For another price, press two"
    call.press("7")
    assert heard.words(call.plays()) == "Not a choice | For another price, press two"
    assert len(locmem.outbox) == 1


def test_a_number_that_stopped_sms_is_told_the_key_that_restarts_them(
    client, heard, django_capture_on_commit_callbacks
):
    """Told at 1 that they stopped SMS, the caller presses the key that takes them back,
    then 1 again: the price goes by SMS (the refusal was not kept as 1's answer)."""
    from voice.menus import restart_key

    Subscriber.objects.create(phone="+996700557001", language="en", opted_out=True)
    call = Call(client, phone="+996700557001")
    call.start()
    main = heard.words(call.plays()).split(" | ")
    key = main[main.index("Get SMS again") + 2]
    assert key == "five" == spoken.number(int(restart_key()), "en")
    call.press(PRICE)
    call.press("1")
    call.press("1")
    call.press("1")  # by SMS
    said = heard.words(call.plays())
    assert said.startswith("You stopped our SMS. To get them again, press | five")
    assert "START" not in said
    call.press(restart_key())
    said = heard.words(call.plays())
    assert said.startswith("Our SMS will reach you again")
    assert said.endswith("To get this by SMS, press one | For another price, press two")
    assert not Subscriber.objects.get(phone=call.phone).opted_out
    assert InboundMessage.objects.filter(action="opt_in").count() == 1
    answer = InboundMessage.objects.get(provider="voice", action="query").reply
    with django_capture_on_commit_callbacks(execute=True):
        call.press("1")
        call.resend()  # Twilio's retry: answered the same, nothing more sent
    assert heard.words(call.plays()).startswith("The SMS is on its way")
    assert [m["body"] for m in locmem.outbox] == [answer]


def test_paging_through_long_lists_does_not_use_up_the_walks_keys(client, heard):
    """A caller who pages forward and back through the crops many times (more keys than
    a walk may choose, more than the old URL held) still reaches the price."""
    call = Call(client)
    call.start()
    call.press(LANGUAGE_KEY["en"])
    call.press(PRICE)
    for _ in range(25):
        call.press("0")
        call.press("*")
    choose(call, heard, Commodity.objects.get(slug="potatoes").display_name("en"))
    choose(call, heard, Market.objects.get(slug="osh").display_name("en"))
    assert "To get this by SMS" in heard.words(call.plays())
    assert InboundMessage.objects.get().action == "query"


def test_a_walk_of_too_many_choices_is_still_ended(client, heard, monkeypatch):
    from voice import services

    monkeypatch.setattr(services, "MAX_KEYS", 3)
    call = Call(client)
    call.keys(LANGUAGE_KEY["en"], "9", "9", "9")
    assert heard.words(call.plays()) == "Too many answers. Dial again"
    assert call.twiml.find("Hangup") is not None


def test_say_keeps_the_sentence_breaks_between_clips(client, heard, settings):
    settings.VOICE_SAY_VOICES = {"en": "Polly.Joanna"}
    call = Call(client)
    call.start()
    call.press(LANGUAGE_KEY["en"])
    call.press(PRICE)
    choose_said(call, "Potatoes")
    choose_said(call, "Osh")
    [said] = [s.text for s in call.says()]
    with translation.override("en"):
        unit = spoken.per_unit(Commodity.objects.get(slug="potatoes"))
    assert said.startswith("Potatoes in Osh, ")
    assert f" {unit}. Recorded " in said
    assert any(f" {day}. " in said for day in ("ago", "today", "yesterday"))
    assert said.endswith("For another price, press two.")
    assert ".." not in said and " ." not in said


def choose_said(call: Call, name: str) -> None:
    """Press the key a <Say> menu gives ``name`` ("Potatoes, press three.")."""
    for _page in range(10):
        said = " ".join(s.text for s in call.says())
        if f"{name}, press " in said:
            word = said.split(f"{name}, press ", 1)[1].split(".")[0]
            call.press(_digit_of(word))
            return
        call.press("0")
    raise AssertionError(f"{name} never offered")
