"""Every command in every language over the demo data: one correct SMS back each."""

import io
import itertools

import pytest
from django.core.management import call_command

from agriprices import selectors
from agriprices.models import Commodity, Market
from sms_gateway import services
from sms_gateway.conversation.understanding import resolve
from sms_gateway.models import InboundMessage, Subscriber
from sms_gateway.replies import format_price
from sms_gateway.segments import count_segments

numbers = (f"+99655512{n:04d}" for n in itertools.count())


@pytest.fixture(scope="module")
def _demo_data(django_db_setup, django_db_blocker):
    """The demo, seeded once for this module (each test still runs in its own
    transaction on top of it) and removed afterwards."""
    with django_db_blocker.unblock():
        call_command(
            "seed_demo", "--force", "--days", "21", stdout=io.StringIO(), stderr=io.StringIO()
        )
    yield
    with django_db_blocker.unblock():
        call_command("flush", "--noinput", verbosity=0)


@pytest.fixture
def demo(_demo_data, db):
    return None


def send(text, sender=None):
    sender = sender or next(numbers)
    return services.receive_sms(
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
    ],
    "fr": [
        "pommes de terre osh",
        "oignons bishkek",
        "AIDE",
        "LISTE produits",
        "LISTE marches",
        "LANGUE RU",
        "ble talas",
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
    ],
}
CASES = [(lang, text) for lang, texts in MESSAGES.items() for text in texts]


@pytest.mark.parametrize(("language", "text"), CASES, ids=[f"{lang}:{t}" for lang, t in CASES])
def test_every_command_in_every_language_fits_one_segment(demo, language, text):
    sender = next(numbers)
    if language in ("ru", "ky", "fr"):
        Subscriber.objects.create(phone=sender, language=language)
    reply = send(text, sender).reply
    assert reply
    assert count_segments(reply).segments == 1, reply
    if language in ("ru", "ky") and not text.upper().startswith(("ЯЗЫК", "ТИЛ")):
        # Answered in the sender's language: Cyrillic, so no English words.
        assert not any(w in reply for w in ("Send", "Cheaper", "Dearer", "Crops", "Markets"))


def test_a_price_reply_is_correct(demo):
    potatoes, osh = Commodity.objects.get(name="Potatoes"), Market.objects.get(name="Osh")
    latest = selectors.latest_price(commodity=potatoes, market=osh)
    reply = send("POTATO OSH").reply
    assert reply.startswith(
        f"Potatoes Osh: {format_price(latest.price)} KGS/{latest.unit.code} "
        f"{latest.observed_on:%d.%m}"
    )
    if latest.change_week_pct is not None:
        assert f"{latest.change_week_pct.normalize():f}% wk" in reply
    others = [r for r in selectors.latest_prices(commodity=potatoes) if r.market_id != osh.pk]
    cheaper = [r for r in others if r.price_per_base_unit < latest.price_per_base_unit]
    if cheaper:
        assert f"Cheaper: {cheaper[0].market.name} {format_price(cheaper[0].price)}" in reply


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
    from sms_gateway.conversation.parser import parse

    resolved = resolve(parse(text).terms)
    assert (getattr(resolved.commodity, "name", None), getattr(resolved.market, "name", None)) == (
        crop,
        market,
    )


def test_latin_french_names_are_answered_in_french(demo):
    assert (
        "Moins cher" in send("pommes de terre osh").reply
        or "sem" in send("pommes de terre osh").reply
    )


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
    first = services.receive_sms(
        provider="test", provider_sid="SM1", sender="+996555000111", body="LANG KY"
    )
    again = services.receive_sms(
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
