"""Every command in every language over the demo data: one correct SMS back each."""

import io
import itertools

import pytest
from django.core.management import call_command

from agriprices.models import Commodity, LatestPrice, Market
from agriprices.selectors.latest import latest_price, latest_prices
from sms_gateway.channels import inbound
from sms_gateway.conversation.understanding import understand
from sms_gateway.models import InboundMessage, Subscriber
from sms_gateway.replies import format_price
from sms_gateway.segments import count_segments
from tests import factories

numbers = (f"+99655512{n:04d}" for n in itertools.count())


def send(text, sender=None):
    sender = sender or next(numbers)
    return inbound.receive(
        provider="test", provider_sid=f"{sender}:{text}:{next(numbers)}", sender=sender, body=text
    )


MESSAGES = {
    "en": [
        "POTATO OSH",
        "potatos osh",
        "POTATO",
        "OSH",
        "tractor osh",
        "HELP",
        "LIST",
        "LIST MARKETS",
        "LANG KY",
        "LANG XX",
        "STOP",
        "START",
        "P POTATO OSH 18.5 KG 1234",
        "SUB POTATO OSH",
        "ONIONS BISHKEK",
        "eggs naryn",
        "milk karakol",
        "SELL POTATO",
    ],
    "fr": [
        "pommes de terre osh",
        "oignons bishkek",
        "AIDE",
        "LISTE produits",
        "LISTE marches",
        "LANGUE RU",
        "ble talas",
        "vendre pommes de terre",
    ],
    "ru": [
        "картошка ош",
        "Картофель Бишкек",
        "лук нарын",
        "ПОМОЩЬ",
        "СПИСОК",
        "СПИСОК рынки",
        "ЯЗЫК RU",
        "молоко каракол",
        "картошка",
        "ош",
        "трактор ош",
        "стоп",
        "продам картошка",
    ],
    "ky": [
        "картошка ош",
        "жүгөрү жалал-абад",
        "буудай талас",
        "жардам",
        "тизме",
        "тизме базарлар",
        "тил ky",
        "сүт нарын",
        "жумуртка баткен",
        "сатам картошка",
    ],
}
CASES = [(lang, text) for lang, texts in MESSAGES.items() for text in texts]


@pytest.mark.parametrize(("language", "text"), CASES, ids=[f"{lang}:{t}" for lang, t in CASES])
def test_every_command_in_every_language_fits_one_segment(demo, language, text):
    sender = next(numbers)
    if language in ("ru", "ky", "fr"):
        factories.SubscriberFactory(phone=sender, language=language)
    reply = send(text, sender).reply
    assert reply
    assert count_segments(reply).segments == 1, reply
    if language in ("ru", "ky") and not text.upper().startswith(("ЯЗЫК", "ТИЛ")):
        # Answered in the sender's language: Cyrillic, so no English words.
        assert not any(w in reply for w in ("Send", "Cheaper", "Dearer", "Crops", "Markets"))


def test_a_price_reply_is_correct(demo):
    potatoes, osh = Commodity.objects.get(name="Potatoes"), Market.objects.get(name="Osh")
    latest = latest_price(commodity=potatoes, market=osh)
    reply = send("POTATO OSH").reply
    assert reply.startswith(
        f"Potatoes Osh: {format_price(latest.price)} KGS/{latest.unit.code} "
        f"{latest.observed_on:%d.%m}"
    )
    # The demo has a week of history and cheaper markets, so both parts are there.
    assert latest.change_week_pct is not None
    assert f"{latest.change_week_pct.normalize():f}% wk" in reply
    others = [r for r in latest_prices(commodity=potatoes) if r.market_id != osh.pk]
    cheaper = [r for r in others if r.price_per_base_unit < latest.price_per_base_unit]
    assert cheaper
    assert f"Cheaper: {cheaper[0].market.name} {format_price(cheaper[0].price)}" in reply


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("SELL POTATO", "en"),
        ("vendre pommes de terre", "fr"),
        ("продам картошка", "ru"),
        ("сатам картошка", "ky"),
    ],
)
def test_sell_names_the_three_markets_paying_most_now_with_their_dates(demo, today, text, language):
    potatoes = Commodity.objects.get(name="Potatoes")
    recent = [
        row
        for row in LatestPrice.objects.filter(commodity=potatoes, price_type="retail")
        if (today - row.observed_on).days <= 30 and row.currency == "KGS"
    ]
    dearest = sorted(recent, key=lambda r: (-r.price_per_base_unit, r.market.name))[:3]
    assert len(dearest) == 3
    reply = send(text).reply
    assert reply.startswith(("Sell ", "Vendre ", potatoes.display_name(language)))
    assert potatoes.display_name(language) in reply
    places = [
        reply.index(
            f"{r.market.display_name(language)} {format_price(r.price_per_base_unit)} "
            f"{r.observed_on:%d.%m}"
        )
        for r in dearest
    ]
    assert places == sorted(places)  # dearest first
    assert count_segments(reply).segments == 1


@pytest.mark.parametrize(
    ("text", "crop", "market"),
    [
        ("POTATO OSH", "Potatoes", "Osh"),
        ("OSH POTATO", "Potatoes", "Osh"),
        ("pommes de terre osh", "Potatoes", "Osh"),
        ("Картошка Ош", "Potatoes", "Osh"),
        ("wheat flour jalal abad", "Wheat flour", "Jalal-Abad"),
        ("wheat jalal-abad", "Wheat", "Jalal-Abad"),
        ("potato", "Potatoes", None),
        ("naryn", None, "Naryn"),
    ],
)
def test_words_are_split_into_crop_and_market(demo, text, crop, market):
    resolved = understand(text)
    assert (getattr(resolved.commodity, "name", None), getattr(resolved.market, "name", None)) == (
        crop,
        market,
    )


def test_latin_french_names_are_answered_in_french(demo):
    reply = send("pommes de terre osh").reply
    assert reply.startswith("Pommes de terre Och: ")
    assert "Moins cher: " in reply


def test_unknown_words_get_the_closest_names(demo):
    reply = send("patatos").reply
    assert reply.startswith("Potatoes") or "Try: Potatoes" in reply


def test_a_crop_alone_uses_the_markets_asked_about_last(demo):
    sender = next(numbers)
    send("POTATO NARYN", sender)
    send("POTATO TALAS", sender)
    reply = send("POTATO", sender).reply
    assert reply.startswith("Potatoes (KGS): Talas") and "Naryn" in reply


def test_lang_changes_the_language_of_later_replies(demo):
    sender = next(numbers)
    assert send("LANG RU", sender).reply == "Теперь ответы на русском."
    assert (
        "Дешевле" in send("POTATO OSH", sender).reply or "нед" in send("POTATO OSH", sender).reply
    )


def test_stop_and_start(demo):
    sender = next(numbers)
    send("STOP", sender)
    assert Subscriber.objects.get(phone=sender).opted_out
    send("START", sender)
    assert not Subscriber.objects.get(phone=sender).opted_out


@pytest.mark.parametrize("sender", ["MyBank", "12345", "+1234"])
def test_short_codes_and_named_senders_get_no_reply(demo, sender):
    message = send("HELP", sender)
    assert (message.action, message.reply) == ("ignored", "")
    assert not Subscriber.objects.exists()


def test_the_same_message_id_is_answered_once(demo):
    first = inbound.receive(
        provider="test", provider_sid="SM1", sender="+996555000111", body="LANG KY"
    )
    again = inbound.receive(
        provider="test", provider_sid="SM1", sender="+996555000111", body="LANG KY"
    )
    assert again.pk == first.pk and again.reply == first.reply
    assert InboundMessage.objects.count() == 1


def test_sms_command_prints_the_reply_and_its_cost(demo):
    out, err = io.StringIO(), io.StringIO()
    call_command("sms", "POTATO OSH", "--from", "0555 123 456", stdout=out, stderr=err)
    assert out.getvalue().startswith("Potatoes Osh:")
    assert "GSM-7" in err.getvalue() and "1 segment(s)" in err.getvalue()
    assert Subscriber.objects.filter(phone="+996555123456").exists()


def test_sell_shrinks_its_heading_before_it_leaves_out_a_market():
    from datetime import date
    from decimal import Decimal

    from agriprices.models import Unit
    from sms_gateway.replies import best_payers_reply

    kg = Unit(code="kg")
    potatoes = Commodity(name="Potatoes", translations={"ru": "Картофель"}, base_unit=kg)
    rows = [
        LatestPrice(
            commodity=potatoes,
            market=Market(name=name, translations={"ru": ru}),
            unit=kg,
            currency="KGS",
            price=Decimal(price),
            price_per_base_unit=Decimal(price),
            observed_on=date(2026, 12, day),
        )
        for name, ru, price, day in [
            ("Batken", "Баткен", "25.5", 3),
            ("Bishkek", "Бишкек", "25.5", 2),
            ("Tokmok", "Токмак", "25", 1),
        ]
    ]
    english = best_payers_reply(language="en", commodity=potatoes, rows=rows)
    assert (
        english == "Sell Potatoes (KGS/kg): Batken 25.5 03.12, Bishkek 25.5 02.12, Tokmok 25 01.12"
    )
    russian = best_payers_reply(language="ru", commodity=potatoes, rows=rows)
    assert russian == "Картофель: Баткен 25.5 03.12, Бишкек 25.5 02.12, Токмак 25 01.12"
    assert count_segments(russian).segments == 1
