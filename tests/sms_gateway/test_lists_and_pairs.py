"""Nothing stops silently: an SMS list that does not fit says how to get the rest, and
that works; WhatsApp fills its 1,000 characters; two crops or two markets asked at once
are both answered, or the reply says how to ask for the other; a confirmation shortens
names before it drops its condition."""

import itertools
import re

import pytest

from agriprices.models import Commodity, Market
from sms_gateway import services
from sms_gateway.models import Subscriber
from sms_gateway.segments import count_segments

numbers = (f"+99655535{n:04d}" for n in itertools.count())
#: What each language sends for a list, and how its reply points to the next page.
LIST_COMMANDS = {
    "en": ("LIST", "LIST MARKETS", r"More: (LIST(?: MARKETS)? \d+)$"),
    "fr": ("LISTE", "LISTE MARCHES", r"Suite : (LISTE(?: MARCHES)? \d+)$"),
    "ru": ("СПИСОК", "СПИСОК РЫНКИ", r"Ещё: (СПИСОК(?: РЫНКИ)? \d+)$"),
    "ky": ("ТИЗМЕ", "ТИЗМЕ БАЗАРЛАР", r"Дагы: (ТИЗМЕ(?: БАЗАРЛАР)? \d+)$"),
}


def send(text, sender):
    return services.receive_sms(
        provider="test", provider_sid=f"{sender}:{next(numbers)}", sender=sender, body=text
    ).reply


def subscriber(language):
    phone = next(numbers)
    Subscriber.objects.create(phone=phone, language=language)
    return phone


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
@pytest.mark.parametrize("kind", ["crops", "markets"])
def test_a_list_that_does_not_fit_says_how_to_get_the_rest_and_that_works(demo, language, kind):
    crops, markets, more = LIST_COMMANDS[language]
    phone = subscriber(language)
    things = Commodity.objects.all() if kind == "crops" else Market.objects.all()
    expected = sorted(t.display_name(language) for t in things)
    reply, shown, pages = send(crops if kind == "crops" else markets, phone), [], 0
    while True:
        pages += 1
        assert count_segments(reply).segments == 1, reply
        pointer = re.search(more, reply)
        body = reply[: pointer.start()].rstrip(". ") if pointer else reply
        shown += body.split(": ", 1)[1].split(", ")
        if not pointer:
            break
        reply = send(pointer.group(1), phone)
        assert pages < 10
    assert sorted(shown) == expected  # every one, once
    if language in ("ru", "ky") and kind == "crops":
        assert pages > 1  # 18 crops in Cyrillic do not fit 70 characters


def test_a_page_past_the_end_shows_the_last(demo):
    phone = subscriber("ru")
    last = send("СПИСОК 99", phone)
    assert last.startswith("Товары ") and "Ещё" not in last


def test_whatsapp_lists_fill_a_thousand_characters(demo):
    sender = f"whatsapp:{next(numbers)}"
    reply = send("LIST", sender)
    names = reply.split(": ", 1)[1].split(", ")
    assert sorted(names) == sorted(c.name for c in Commodity.objects.all())
    osh = send("osh", sender)  # every crop priced at Osh, none left out
    assert "more" not in osh and osh.count("/") >= 18
    assert len(osh) <= 1000


def test_two_crops_at_one_market_are_both_answered_in_one_segment(demo):
    reply = send("potatoes and onions in osh", next(numbers))
    assert reply.startswith("Potatoes Osh: ") and ". Onions Osh: " in reply
    assert count_segments(reply).segments == 1


def test_one_crop_at_two_markets_is_answered_for_both(demo):
    reply = send("картошка в Оше и в Бишкеке", subscriber("ru"))
    assert reply.startswith("Картофель Ош: ") and "Картофель Бишкек: " in reply
    assert count_segments(reply).segments == 1


def test_two_long_ones_come_as_one_list_under_the_name_they_share(demo):
    reply = send("подсолнечное масло и кукуруза в Джалал-Абаде", subscriber("ru"))
    assert count_segments(reply).segments == 1
    assert re.match(r"Джалал-Абад \(KGS\): Подсолнечное масло [\d.]+/l, Кукуруза [\d.]+/kg$", reply)


def test_when_both_do_not_fit_the_reply_says_how_to_ask_for_the_other(demo):
    phone = subscriber("ru")
    reply = send("подсолнечное масло и кукуруза", phone)
    assert count_segments(reply).segments == 1
    assert reply.startswith("Подсолнечное масло (KGS): ")
    ask = re.search(r"Ещё спросите: (.+)$", reply)
    assert ask is not None and ask.group(1) == "КУКУРУЗА", reply
    assert send(ask.group(1), phone).startswith("Кукуруза (KGS): ")


def test_two_on_whatsapp_come_one_under_the_other(demo):
    reply = send("potatoes and onions in osh", f"whatsapp:{next(numbers)}")
    assert reply.startswith("Potatoes Osh: ") and "\n\nOnions Osh: " in reply
    assert "Every market, cheapest first:" in reply and len(reply) <= 1000


@pytest.mark.parametrize(
    ("language", "text", "condition"),
    [
        ("ru", "подписка подсолнечное масло джалал-абад 15", "15%"),
        ("ky", "жазылуу күн карама майы жалал-абад 15", "15%"),
        ("fr", "abo huile de tournesol jalal-abad 15", "15 %"),
        ("en", "SUB SUNFLOWER OIL JALAL-ABAD 15", "15%"),
        ("ru", "подписка подсолнечное масло джалал-абад пт", "Пт"),
    ],
)
def test_a_confirmation_shortens_names_before_it_drops_its_condition(
    demo, language, text, condition
):
    reply = send(text, subscriber(language))
    assert count_segments(reply).segments == 1
    assert condition in reply and not reply.endswith(".."), reply
