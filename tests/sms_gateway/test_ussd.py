"""The USSD menus through Africa's Talking's callback, on the demo catalogue: transcripts
(answer -> next screen) for every path in every language, every reachable screen within
182 characters, bad input answered without an error."""

import itertools

import pytest

from agriprices import selectors
from agriprices.models import Commodity, Market
from sms_gateway.models import Subscriber, Subscription
from sms_gateway.ussd.menus import SCREEN

KEY = "ussd-test-key-not-a-secret"
URL = f"/ussd/africastalking/?key={KEY}"
numbers = (f"+99670012{n:04d}" for n in itertools.count())
LANGUAGE_CHOICE = {"en": "6", "fr": "7", "ru": "8", "ky": "9"}


@pytest.fixture(autouse=True)
def _ussd_key(settings):
    settings.USSD_CALLBACK_KEY = KEY


class Session:
    """One phone's USSD session, as Africa's Talking drives it: every request carries all
    the answers so far."""

    def __init__(self, client, phone=None):
        self.client, self.phone, self.answers = client, phone or next(numbers), []
        self.id = f"ATUid_{self.phone}"

    def screen(self, *answers: str) -> tuple[str, str]:
        """(CON or END, text) after the answers so far and ``answers``."""
        self.answers += answers
        response = self.client.post(
            URL,
            {
                "sessionId": self.id,
                "serviceCode": "*384*1#",
                "phoneNumber": self.phone,
                "networkCode": "43701",
                "text": "*".join(self.answers),
            },
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        kind, _, text = response.content.decode().partition(" ")
        assert kind in {"CON", "END"}
        assert len(text) <= SCREEN, text
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


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_price_of_a_crop_at_a_market(client, demo, language):
    potatoes, osh = Commodity.objects.get(name="Potatoes"), Market.objects.get(name="Osh")
    latest, cheaper, _dearer, _warning = selectors.latest_with_neighbours(
        commodity=potatoes, market=osh
    )
    session = Session(client)
    kind, text = session.screen()
    assert kind == "CON"
    assert text.splitlines()[-4:] == ["6 English", "7 Français", "8 Русский", "9 Кыргызча"]
    kind, text = session.screen(LANGUAGE_CHOICE[language])
    kind, text = session.screen("1")  # price of a crop
    kind, text = pick(session, text, potatoes.display_name(language))
    assert kind == "CON"
    kind, text = pick(session, text, osh.display_name(language))
    assert kind == "END"
    assert text.startswith(f"{potatoes.display_name(language)} {osh.display_name(language)}: ")
    assert f"{latest.observed_on:%d.%m}" in text and f"/{latest.unit.code}" in text
    assert cheaper is not None and cheaper.market.display_name(language) in text
    assert Subscriber.objects.get(phone=session.phone).language == language  # kept


def test_a_number_that_chose_a_language_keeps_it(client, demo):
    phone = next(numbers)
    Subscriber.objects.create(phone=phone, language="ru")
    kind, text = Session(client, phone).screen()
    assert kind == "CON" and "1 Цена культуры" in text.splitlines()
    assert "6 English" in text.splitlines()  # and the others, offered on the first screen


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_where_to_sell_names_the_three_markets_paying_most(client, demo, language):
    crop = Commodity.objects.get(name="Onions")
    best = selectors.best_paying_markets(commodity=crop)
    session = Session(client)
    session.screen(LANGUAGE_CHOICE[language])
    _kind, text = session.screen("2")
    kind, text = pick(session, text, crop.display_name(language))
    assert kind == "END"
    places = [text.index(row.market.display_name(language)) for row in best]
    assert len(places) == 3 and places == sorted(places)


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_subscribe_then_unsubscribe_then_stop(client, demo, language):
    crop, market = Commodity.objects.get(name="Milk"), Market.objects.get(name="Naryn")
    session = Session(client)
    session.screen(LANGUAGE_CHOICE[language])
    _kind, text = session.screen("3")
    _kind, text = pick(session, text, crop.display_name(language))
    kind, text = pick(session, text, market.display_name(language))
    assert kind == "END" and crop.display_name(language) in text

    def followed():
        return Subscription.objects.filter(subscriber__phone=session.phone)

    assert [(s.commodity, s.market) for s in followed()] == [(crop, market)]
    assert session.screen() == (kind, text)  # the aggregator resending the last request
    assert followed().count() == 1

    again = Session(client, session.phone)  # a new session: the language is kept
    _kind, text = again.screen("4")
    kind, text = pick(again, text, f"{crop.display_name(language)} {market.display_name(language)}")
    assert kind == "END" and not followed().exists()

    stop = Session(client, session.phone)
    kind, _text = stop.screen("5")
    assert kind == "END" and Subscriber.objects.get(phone=session.phone).opted_out


@pytest.mark.parametrize(
    "answers", [["99"], ["abc"], ["1", "99"], ["*" * 5], [""] * 200, ["1", "1", "0", "0", "0"]]
)
def test_wrong_answers_show_the_screen_again_with_a_note(client, demo, answers):
    kind, text = Session(client).screen(*answers)
    assert kind == "CON" and text.startswith("Not a choice.")


def test_back_returns_to_the_screen_before(client, demo):
    session = Session(client)
    _kind, menu = session.screen("1")
    session.screen("1")  # the crop list
    assert session.screen("00") == ("CON", menu)


def test_every_reachable_screen_fits_in_every_language(client, demo, capsys):
    """Walk every path a few answers deep, every page of every list, in every language
    (Session asserts each screen is at most 182 characters)."""
    seen, longest = 0, {}
    for language, choice in LANGUAGE_CHOICE.items():
        frontier = [[choice]]
        while frontier:
            answers = frontier.pop()
            kind, text = Session(client, "+996700999999").screen(*answers)
            seen += 1
            longest[language] = max(longest.get(language, 0), len(text))
            if kind == "END" or len(answers) > 6:
                continue
            for line in text.splitlines()[1:]:
                option = line.split(" ", 1)[0]
                if option == "00" or (answers == [choice] and option in set("56789")):
                    continue  # back, STOP and the languages are walked apart
                frontier.append([*answers, option])
    with capsys.disabled():
        print(f"\nUSSD: {seen} screens walked; longest per language {longest} (limit {SCREEN})")
    assert seen > 200 and max(longest.values()) <= SCREEN


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
