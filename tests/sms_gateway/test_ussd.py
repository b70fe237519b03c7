"""The USSD menus through Africa's Talking's callback, on the demo catalogue: transcripts
(answer -> next screen) for every path in every language, every reachable screen within
what the network carries for its encoding (182 GSM-7 characters, 80 UCS-2), a resent
request answered the same and acting once, choices that name what was on the screen,
bad input answered without an error."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from agriprices.models import Commodity, Market
from agriprices.selectors.latest import best_paying_markets, latest_with_neighbours
from sms_gateway import following
from sms_gateway.channels import inbound
from sms_gateway.models import Subscriber, Subscription, UssdSession
from sms_gateway.segments import USSD_GSM7, USSD_UCS2, ussd_size
from sms_gateway.ussd.sessions import simulate_ussd

KEY = "ussd-test-key-not-a-secret"
URL = f"/ussd/africastalking/?key={KEY}"
numbers = (f"+99670012{n:04d}" for n in itertools.count())
sessions = itertools.count()
MAIN = {"price": "1", "sell": "2", "subscribe": "3", "unsubscribe": "4", "stop": "5"}
LANGUAGE = "6"
LANGUAGE_CHOICE = {"en": "1", "fr": "2", "ru": "3", "ky": "4"}


@pytest.fixture(autouse=True)
def _ussd_key(settings):
    settings.USSD_CALLBACK_KEY = KEY


class Session:
    """One phone's USSD session, as Africa's Talking drives it: one sessionId, and every
    request carries all the answers so far. Each screen is checked against what the
    network carries: 182 characters in GSM-7, 80 once one needs UCS-2."""

    def __init__(self, client, phone=None, language=None):
        self.client, self.phone, self.answers = client, phone or next(numbers), []
        self.id = f"ATUid_{next(sessions)}"
        if language:
            self.screen(LANGUAGE, LANGUAGE_CHOICE[language])

    def post(self, text: str):
        return self.client.post(
            URL,
            {
                "sessionId": self.id,
                "serviceCode": "*384*1#",
                "phoneNumber": self.phone,
                "networkCode": "43701",
                "text": text,
            },
        )

    def screen(self, *answers: str) -> tuple[str, str]:
        """(CON or END, text) after the answers so far and ``answers``."""
        self.answers += answers
        return self.resend()

    def resend(self) -> tuple[str, str]:
        """The last request again, as the aggregator retries it."""
        response = self.post("*".join(self.answers))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        kind, _, text = response.content.decode().partition(" ")
        assert kind in {"CON", "END"}
        size = ussd_size(text)
        assert size.units <= size.room, f"{size.encoding} {size.units}/{size.room}:\n{text}"
        return kind, text


def number_of(text: str, label: str) -> str:
    """The number a screen shows for ``label``."""
    for line in text.splitlines():
        number, _, shown = line.partition(" ")
        if shown == label:
            return number
    raise AssertionError(f"{label!r} is not on the screen:\n{text}")


def pick(session: Session, text: str, label: str) -> tuple[str, str]:
    """Choose ``label`` from a list, paging with 0 until it shows."""
    for _ in range(20):
        if any(line.split(" ", 1)[-1] == label for line in text.splitlines()[1:]):
            return session.screen(number_of(text, label))
        kind, text = session.screen("0")
        assert kind == "CON"
    raise AssertionError(f"{label!r} never shown")


def followed(phone: str) -> list[tuple[str, str]]:
    rows = Subscription.objects.filter(subscriber__phone=phone).order_by("id")
    return [(s.commodity.name, s.market.name) for s in rows]


def state(phone: str) -> tuple:
    """Everything a USSD choice may change for a number."""
    subscriber = Subscriber.objects.get(phone=phone)
    return (
        subscriber.opted_out,
        subscriber.language,
        sorted(followed(phone)),
        sorted(
            Subscription.objects.filter(subscriber=subscriber).values_list(
                "kind", "alert_pct", "language"
            )
        ),
    )


def test_the_first_screen_is_the_menu_in_gsm7_and_offers_every_language(client, demo):
    kind, text = Session(client).screen()
    assert kind == "CON"
    assert text.splitlines() == [
        "AgriPrices",
        "1 Price of a crop",
        "2 Where to sell",
        "3 Subscribe",
        "4 Unsubscribe",
        "5 Stop all SMS",
        "6 Language EN/FR/RU/KY",
    ]
    assert ussd_size(text).encoding == "GSM-7"  # no Cyrillic name forces 80 characters
    kind, text = Session(client).screen(LANGUAGE)
    assert text.splitlines()[1:5] == ["1 English", "2 Français", "3 Русский", "4 Кыргызча"]


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_price_of_a_crop_at_a_market(client, demo, language):
    potatoes, osh = Commodity.objects.get(name="Potatoes"), Market.objects.get(name="Osh")
    latest, cheaper, _dearer, _warning = latest_with_neighbours(commodity=potatoes, market=osh)
    session = Session(client, language=language)
    kind, text = session.screen(MAIN["price"])
    kind, text = pick(session, text, potatoes.display_name(language))
    assert kind == "CON"
    kind, text = pick(session, text, osh.display_name(language))
    assert kind == "END"
    assert text.startswith(f"{potatoes.display_name(language)} {osh.display_name(language)}: ")
    assert f"{latest.observed_on:%d.%m}" in text and f"/{latest.unit.code}" in text
    assert cheaper is not None and cheaper.market.display_name(language) in text
    assert Subscriber.objects.get(phone=session.phone).language == language  # kept


def test_the_price_screen_uses_the_room_a_screen_has(client, demo):
    """A Russian SMS holds 70 characters, a Russian USSD screen 80: the screen says more
    than the SMS where more fits."""
    from sms_gateway.channels.inbound import simulate as simulate_sms

    phone = next(numbers)
    Subscriber.objects.create(phone=phone, language="ru")
    session = Session(client, phone)
    session.screen(MAIN["price"])
    longest = 0
    for crop in Commodity.objects.all():
        _action, sms = simulate_sms(sender=phone, body=f"{crop.display_name('ru')} Ош")
        screen = Session(client, phone)
        kind, text = screen.screen(MAIN["price"])
        kind, text = pick(screen, text, crop.display_name("ru"))
        kind, text = pick(screen, text, "Ош")
        assert kind == "END" and text.startswith(sms.split(":")[0])
        assert len(text) >= len(sms)
        longest = max(longest, len(text) - len(sms))
    assert longest > 0


def test_a_number_that_chose_a_language_keeps_it(client, demo):
    phone = next(numbers)
    Subscriber.objects.create(phone=phone, language="ru")
    kind, text = Session(client, phone).screen()
    assert kind == "CON" and text.splitlines()[1:] == [
        "1 Цены",
        "2 Где продать",
        "3 Подписка",
        "4 Отписка",
        "5 Стоп SMS",
        "6 Язык",
    ]


def test_a_language_chosen_is_kept_even_if_the_session_goes_no_further(client, demo):
    session = Session(client, language="ky")
    assert Subscriber.objects.get(phone=session.phone).language == "ky"
    assert "1 Баалар" in Session(client, session.phone).screen()[1]


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_where_to_sell_names_the_three_markets_paying_most(client, demo, language):
    crop = Commodity.objects.get(name="Onions")
    best = best_paying_markets(commodity=crop)
    session = Session(client, language=language)
    _kind, text = session.screen(MAIN["sell"])
    kind, text = pick(session, text, crop.display_name(language))
    assert kind == "END"
    places = [text.index(row.market.display_name(language)) for row in best]
    assert len(places) == 3 and places == sorted(places)


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_subscribe_unsubscribe_stop_with_a_yes_then_come_back(client, demo, language):
    crop, market = Commodity.objects.get(name="Milk"), Market.objects.get(name="Naryn")
    session = Session(client, language=language)
    _kind, text = session.screen(MAIN["subscribe"])
    _kind, text = pick(session, text, crop.display_name(language))
    kind, text = pick(session, text, market.display_name(language))
    assert kind == "END" and crop.display_name(language) in text
    assert followed(session.phone) == [("Milk", "Naryn")]

    again = Session(client, session.phone)  # a new session: the language is kept
    _kind, text = again.screen(MAIN["unsubscribe"])
    label = f"{crop.display_name(language)} {market.display_name(language)}"
    kind, text = pick(again, text, label)
    assert kind == "END" and followed(session.phone) == []

    stop = Session(client, session.phone)
    kind, question = stop.screen(MAIN["stop"])
    assert kind == "CON" and not Subscriber.objects.get(phone=session.phone).opted_out
    kind, _text = stop.screen("00")  # not now: back to the menu, nothing stopped
    assert kind == "CON" and not Subscriber.objects.get(phone=session.phone).opted_out
    kind, _text = stop.screen(MAIN["stop"], "1")
    assert kind == "END" and Subscriber.objects.get(phone=session.phone).opted_out

    back = Session(client, session.phone)
    kind, menu = back.screen()
    restart = menu.splitlines()[5]  # where "Stop all SMS" was: get them again
    assert restart.startswith("5 ") and restart != question.splitlines()[0]
    kind, _text = back.screen("5")
    assert kind == "END" and not Subscriber.objects.get(phone=session.phone).opted_out


@pytest.mark.parametrize(
    "answers",
    [
        ["99"],
        ["abc"],
        ["1", "99"],
        ["*" * 5],
        [""] * 20,
        ["1", "0", "0", "0"],
        ["²"],  # a digit to Python, no number to a menu
        ["1", "²"],
        ["١"],  # Arabic-Indic one
        ["1", "٣"],
        ["¹⁰"],
    ],
)
def test_wrong_answers_show_the_screen_again_with_a_note(client, demo, answers):
    kind, text = Session(client).screen(*answers)
    assert kind == "CON" and text.startswith("Not a choice.")


def test_too_many_answers_end_the_session_and_change_nothing(client, demo):
    kind, text = Session(client).screen(*(["0"] * 31))
    assert kind == "END" and "Dial again" in text


@pytest.mark.parametrize("language", ["en", "ru"])
def test_back_goes_back_one_page_then_one_screen(client, demo, language):
    session = Session(client, language=language)
    _kind, menu = session.screen()
    _kind, first_page = session.screen(MAIN["price"])
    _kind, second_page = session.screen("0")
    assert second_page != first_page
    assert session.screen("00") == ("CON", first_page)
    assert session.screen("00") == ("CON", menu)


def test_every_reachable_screen_fits_its_encoding_in_every_language(client, demo, capsys, settings):
    """Walk every path a few answers deep, every page of every list, in every language
    (Session asserts each screen against 182 GSM-7 or 80 UCS-2 characters). Nothing is
    chosen that ends the session with a change: stop and come back are walked above."""
    # Hundreds of sessions from one number: far past what one may open in an hour.
    settings.SMS_MAX_QUERIES_PER_HOUR = settings.SMS_MAX_SEGMENTS_PER_DAY = 100_000
    phone = "+996700999999"
    seen, longest = 0, {}
    for language, choice in LANGUAGE_CHOICE.items():
        frontier = [[LANGUAGE, choice]]
        while frontier:
            answers = frontier.pop()
            kind, text = Session(client, phone).screen(*answers)
            seen += 1
            size = ussd_size(text)
            key = (language, size.encoding)
            longest[key] = max(longest.get(key, 0), size.units)
            if kind == "END" or len(answers) > 8:
                continue
            for line in text.splitlines()[1:]:
                option = line.split(" ", 1)[0]
                if option == "00" or (answers == [LANGUAGE, choice] and option in {"5", "6"}):
                    continue  # back, STOP and the languages are walked apart
                frontier.append([*answers, option])
    with capsys.disabled():
        print(f"\nUSSD: {seen} screens walked; longest per language and encoding {longest}")
    assert seen > 300
    limit = {"GSM-7": USSD_GSM7, "UCS-2": USSD_UCS2}
    assert all(units <= limit[encoding] for (_, encoding), units in longest.items())
    assert {"GSM-7", "UCS-2"} <= {enc for _, enc in longest}  # both limits were exercised


# --- Retried requests and stable choices ------------------------------------------------


def mutating_paths(language: str) -> list[tuple[str, ...]]:
    """Every kind of request that changes something, as answers from the first screen."""
    crop, market = Commodity.objects.get(name="Beans"), Market.objects.get(name="Talas")
    return [
        ("subscribe", crop.display_name(language), market.display_name(language)),
        ("unsubscribe", f"{crop.display_name(language)} {market.display_name(language)}"),
        ("stop", "1"),
        ("restart",),
        ("language", language),
    ]


def walk(session: Session, path: tuple[str, ...]) -> tuple[str, str]:
    """Follow ``path`` (labels) from the first screen; the last request is the one that
    acts."""
    what, *labels = path
    if what == "language":
        return session.screen(LANGUAGE, LANGUAGE_CHOICE[labels[0]])
    if what == "restart":
        return session.screen(MAIN["stop"])  # an opted-out number: "get SMS again"
    kind, text = session.screen(MAIN[what])
    if what == "stop":
        return session.screen("1")
    for label in labels:
        kind, text = pick(session, text, label)
    return kind, text


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_every_mutating_request_resent_answers_the_same_and_changes_nothing(client, demo, language):
    phone = next(numbers)
    Subscriber.objects.create(phone=phone, language=language)
    others = [("Potatoes", "Osh"), ("Apples", "Karakol")]
    subscriber = Subscriber.objects.get(phone=phone)
    for crop, market in others:
        following.subscribe(
            subscriber=subscriber,
            commodity=Commodity.objects.get(name=crop),
            market=Market.objects.get(name=market),
            language=language,
        )
    for path in mutating_paths(language):
        session = Session(client, phone)
        kind, text = walk(session, path)
        assert kind == "END" or path[0] == "language", (path, text)
        after = state(phone)
        for _ in range(3):  # the aggregator retries; the farmer taps twice
            assert session.resend() == (kind, text), path
            assert state(phone) == after, path
        if kind == "END":  # an ended session answers nothing new
            assert session.screen("1") == (kind, text)
            assert state(phone) == after, path
    assert sorted(followed(phone)) == sorted(others)  # Beans Talas came and went
    assert not Subscriber.objects.get(phone=phone).opted_out  # stopped, then came back


def test_a_resent_unsubscribe_removes_no_second_subscription(client, demo):
    """The case that cost trust: "unsubscribe, choice 1" resent after choice 1 was
    removed took the next subscription, which had moved up to 1."""
    phone = next(numbers)
    subscriber = Subscriber.objects.create(phone=phone)
    for crop in ("Apples", "Beans"):
        following.subscribe(
            subscriber=subscriber,
            commodity=Commodity.objects.get(name=crop),
            market=Market.objects.get(name="Osh"),
            language="en",
        )
    session = Session(client, phone)
    _kind, text = session.screen(MAIN["unsubscribe"])
    assert text.splitlines()[1:3] == ["1 Apples Osh", "2 Beans Osh"]
    kind, text = session.screen("1")
    assert kind == "END" and "Apples Osh" in text
    assert session.resend() == (kind, text)
    assert session.resend() == (kind, text)
    assert followed(phone) == [("Beans", "Osh")]


def test_a_choice_names_what_was_on_the_screen_whatever_changed_since(client, demo):
    """The list changes between the screen and the choice (an SMS UNSUB, another phone's
    operator adding a crop): the choice still names what the farmer saw."""
    phone = next(numbers)
    subscriber = Subscriber.objects.create(phone=phone)
    osh = Market.objects.get(name="Osh")
    for crop in ("Beans", "Carrots"):
        following.subscribe(
            subscriber=subscriber,
            commodity=Commodity.objects.get(name=crop),
            market=osh,
            language="en",
        )
    session = Session(client, phone)
    _kind, text = session.screen(MAIN["unsubscribe"])
    assert text.splitlines()[1] == "1 Beans Osh"
    # Meanwhile: Apples followed by SMS (it would now be first), Beans dropped by SMS.
    following.subscribe(
        subscriber=subscriber,
        commodity=Commodity.objects.get(name="Apples"),
        market=osh,
        language="en",
    )
    following.unsubscribe(
        subscriber=subscriber, commodity=Commodity.objects.get(name="Beans"), market=osh
    )
    kind, text = session.screen("1")
    assert kind == "END" and "Beans Osh" in text  # "you do not follow Beans Osh"
    assert sorted(followed(phone)) == [("Apples", "Osh"), ("Carrots", "Osh")]

    # The crop list, likewise: a crop added after the list was shown shifts nothing.
    session = Session(client, phone)
    _kind, text = session.screen(MAIN["subscribe"])
    assert text.splitlines()[1] == "1 Apples"
    Commodity.objects.create(name="Aaa test crop", slug="aaa-test-crop", base_unit=osh_unit())
    kind, text = session.screen("1")
    assert kind == "CON" and "Choose a market" in text
    kind, text = pick(session, text, "Naryn")
    assert kind == "END" and "Apples Naryn" in text


def osh_unit():
    return Commodity.objects.get(name="Apples").base_unit


def test_two_sessions_are_two_sessions(client, demo):
    """The same text in another session is a new request: it acts."""
    phone = next(numbers)
    Subscriber.objects.create(phone=phone, opted_out=True)
    first = Session(client, phone)
    assert first.screen(MAIN["stop"])[0] == "END"  # get SMS again
    assert not Subscriber.objects.get(phone=phone).opted_out
    second = Session(client, phone)
    kind, text = second.screen(MAIN["stop"])
    assert kind == "CON"  # now it asks to confirm stopping


def test_sessions_are_forgotten_after_a_day(client, demo):
    session = Session(client)
    session.screen()
    UssdSession.objects.update(started_at=timezone.now() - timedelta(days=2))
    Session(client).screen()  # a new session starts: the old ones go
    assert UssdSession.objects.count() == 1
    assert UssdSession.objects.get().session_id != session.id


def test_nothing_is_kept_for_a_number_we_do_not_serve(client, demo):
    response = Session(client, "+15005550006").post("")
    assert response.content.decode().startswith("END ")
    assert not UssdSession.objects.exists()


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/ussd/africastalking/", 403),
        ("/ussd/africastalking/?key=wrong", 403),
        (f"/ussd/somebody-else/?key={KEY}", 404),
    ],
)
def test_the_callback_needs_the_shared_key(client, demo, url, status):
    response = client.post(url, {"sessionId": "s", "phoneNumber": "+996700000001", "text": ""})
    assert response.status_code == status
    assert not Subscriber.objects.filter(phone="+996700000001").exists()


def test_without_a_key_set_there_is_no_ussd(client, demo, settings):
    settings.USSD_CALLBACK_KEY = ""
    assert client.post(URL, {"sessionId": "s", "phoneNumber": "+996700000001"}).status_code == 404


def test_a_request_without_session_or_phone_is_refused(client, demo):
    assert client.post(URL, {"text": "1"}).status_code == 400


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_an_opted_out_number_subscribing_is_offered_its_sms_back_there(client, demo, language):
    """Subscribe in the menu after Stop all SMS: the menu itself offers the SMS back
    (nothing to send by paid SMS); Back changes nothing; Yes restarts them and
    subscribes, once however often it is resent."""
    crop, market = Commodity.objects.get(name="Milk"), Market.objects.get(name="Naryn")
    session = Session(client, language=language)
    Subscriber.objects.filter(phone=session.phone).update(opted_out=True)
    _kind, text = session.screen(MAIN["subscribe"])
    _kind, text = pick(session, text, crop.display_name(language))
    kind, question = pick(session, text, market.display_name(language))
    assert kind == "CON" and "START" not in question
    assert followed(session.phone) == [] and Subscriber.objects.get(phone=session.phone).opted_out
    kind, _text = session.screen("00")  # not now: nothing changed
    assert kind == "CON" and Subscriber.objects.get(phone=session.phone).opted_out
    _kind, question = pick(session, _text, market.display_name(language))
    kind, done = session.screen(question.splitlines()[1].split(" ", 1)[0])
    assert kind == "END" and crop.display_name(language) in done
    assert followed(session.phone) == [("Milk", "Naryn")]
    assert not Subscriber.objects.get(phone=session.phone).opted_out
    before = state(session.phone)
    assert session.resend() == (kind, done) and state(session.phone) == before


# --- Limits, as for every channel -------------------------------------------------------


def test_sessions_count_against_the_numbers_limits_and_a_retry_costs_nothing(
    client, demo, settings
):
    settings.SMS_MAX_QUERIES_PER_HOUR = 2
    phone = next(numbers)
    first = Session(client, phone)
    first.screen()
    first.resend()  # the same request again: the same session, not counted again
    Session(client, phone).screen()
    kind, text = Session(client, phone).screen()
    assert (kind, text) == ("END", "Too many messages from this number. Try again later.")
    # The number's SMS share the limits: its next question is refused too (silently,
    # the notice went out on USSD).
    reply = inbound.receive(
        provider="test", provider_sid="SM-after-ussd", sender=phone, body="POTATO OSH"
    )
    assert (reply.action, reply.reply) == ("limited", "")


def test_the_simulator_counts_nothing(client, demo, settings):
    settings.SMS_MAX_QUERIES_PER_HOUR = 1
    phone = next(numbers)
    for _ in range(3):
        assert simulate_ussd(phone=phone, answers=[]).final is False
    assert Session(client, phone).screen()[0] == "CON"
