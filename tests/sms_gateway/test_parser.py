from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sms_gateway.conversation.parser import Command, parse
from tests.profiles import examples

# Real-looking messages in four languages and scripts: text -> expected fields.
TABLE = [
    ("POTATO OSH", {"action": "query", "terms": ("potato", "osh"), "language": ""}),
    ("картошка ош", {"action": "query", "terms": ("картошка", "ош"), "language": "ru"}),
    ("Картошка, Ош!", {"action": "query", "terms": ("картошка", "ош")}),
    ("kartoshka osh", {"action": "query", "terms": ("kartoshka", "osh")}),
    ("pommes de terre osh", {"action": "query", "terms": ("pommes", "de", "terre", "osh")}),
    ("potatos  osh ", {"action": "query", "terms": ("potatos", "osh")}),
    (
        "жүгөрү жалал-абад",
        {"action": "query", "language": "ky", "terms": ("жугору", "жалал", "абад")},
    ),
    ("Maïs Osh", {"action": "query", "terms": ("mais", "osh")}),
    ("HELP", {"action": "help", "language": "en"}),
    ("aide", {"action": "help", "language": "fr"}),
    ("ПОМОЩЬ", {"action": "help", "language": "ru"}),
    ("жардам", {"action": "help", "language": "ky"}),
    ("?", {"action": "help"}),
    ("", {"action": "help"}),
    ("!!! ...", {"action": "help"}),
    ("LIST", {"action": "list", "list_kind": ""}),
    ("list markets", {"action": "list", "list_kind": "markets"}),
    ("СПИСОК рынки", {"action": "list", "list_kind": "markets", "language": "ru"}),
    ("liste produits", {"action": "list", "list_kind": "crops", "language": "fr"}),
    ("LANG RU", {"action": "lang", "set_language": "ru"}),
    ("тил кыргызча", {"action": "lang", "set_language": "ky", "language": "ky"}),
    ("lang klingon", {"action": "lang", "set_language": "", "problem": "unknown language"}),
    ("SUB POTATO OSH", {"action": "subscribe", "terms": ("potato", "osh")}),
    ("подписка картошка ош", {"action": "subscribe", "language": "ru"}),
    ("UNSUB", {"action": "unsubscribe", "terms": ()}),
    ("STOP", {"action": "opt_out"}),
    ("stopall", {"action": "opt_out"}),
    ("Unsubscribe", {"action": "opt_out"}),
    ("CANCEL", {"action": "opt_out"}),
    ("end", {"action": "opt_out"}),
    ("QUIT", {"action": "opt_out"}),
    ("стоп", {"action": "opt_out", "language": "ru"}),
    ("START", {"action": "opt_in"}),
    (
        "P POTATO OSH 18.5 KG 1234",
        {
            "action": "report",
            "terms": ("potato", "osh"),
            "price": Decimal("18.5"),
            "unit": "kg",
            "pin": "1234",
            "problem": "",
        },
    ),
    (
        "Р картошка ош 18,5 кг 1234",
        {  # Cyrillic Р, decimal comma
            "action": "report",
            "terms": ("картошка", "ош"),
            "price": Decimal("18.5"),
            "unit": "кг",
            "pin": "1234",
        },
    ),
    (
        "P WHEAT FLOUR OSH 900 bag50kg 4321",
        {
            "action": "report",
            "terms": ("wheat", "flour", "osh"),
            "price": Decimal("900"),
            "unit": "bag50kg",
        },
    ),
    ("P POTATO OSH 18.5", {"action": "report", "problem": "missing PIN"}),
    ("P POTATO OSH KG 1234", {"action": "report", "problem": "missing price"}),
    # A thousand in English, one in Russian: never guessed.
    ("P POTATO OSH 1,000 KG 1234", {"action": "report", "problem": "unclear price"}),
    ("P POTATO OSH 12.500 KG 1234", {"action": "report", "problem": "unclear price"}),
    ("P POTATO OSH 1,000,000 KG 1234", {"action": "report", "problem": "unclear price"}),
    ("P POTATO OSH 0,125 KG 1234", {"action": "report", "price": Decimal("0.125")}),
    ("P POTATO OSH 1250,500 KG 1234", {"action": "report", "price": Decimal("1250.5")}),
    ("P POTATO OSH 18,50 KG 1234", {"action": "report", "price": Decimal("18.5")}),
    # The mark that starts a number is kept: ",5" is a half, never 5.
    ("P POTATO OSH .5 KG 1234", {"action": "report", "price": Decimal("0.5")}),
    ("P POTATO OSH ,5 KG 1234", {"action": "report", "price": Decimal("0.5")}),
    ("P POTATO OSH -.5 KG 1234", {"action": "report", "price": Decimal("-0.5")}),
    # In any script's digits, and with a zero before it, a thousand is still unclear.
    ("P POTATO OSH \u0663,\u0660\u0660\u0660 KG 1234", {"problem": "unclear price"}),
    ("P POTATO OSH 01,000 KG 1234", {"action": "report", "problem": "unclear price"}),
    ("П картошка ош 18 кг 1234", {"action": "report", "price": Decimal("18")}),  # Cyrillic П
]


@pytest.mark.parametrize(("text", "expected"), TABLE, ids=[t or "<empty>" for t, _ in TABLE])
def test_messages(text, expected):
    command = parse(text)
    for name, value in expected.items():
        assert getattr(command, name) == value, name


def test_the_pin_never_shows_in_a_log_line():
    command = parse("P POTATO OSH 18.5 KG 1234")
    assert "1234" not in repr(command)


def test_terms_are_bounded():
    assert len(parse(" ".join(["potato"] * 500)).terms) == 8


@settings(max_examples=examples(500))
@given(st.text(max_size=1600))
def test_no_message_up_to_1600_characters_raises(text):
    command = parse(text)
    assert isinstance(command, Command)
    assert command.action in {
        "query",
        "sell",
        "help",
        "list",
        "lang",
        "subscribe",
        "unsubscribe",
        "opt_out",
        "opt_in",
        "report",
    }


@pytest.mark.parametrize(
    ("text", "unit", "price_type"),
    [
        ("P APPLES OSH 38 kg wholesale 4321", "kg", "wholesale"),
        ("P APPLES OSH 38 WHOLESALE KG 4321", "kg", "wholesale"),
        ("P APPLES OSH 38 farm gate 4321", "", "farmgate"),
        ("P POMMES OCH 38 kg détail 4321", "kg", "retail"),
        ("P POMMES OCH 38 kg bord-champ 4321", "kg", "farmgate"),
        ("Р ЯБЛОКИ ОШ 38 кг ОПТ 4321", "кг", "wholesale"),
        ("P АЛМА ОШ 38 kg ӨНДҮРҮҮЧҮ 4321", "kg", "farmgate"),
        ("P APPLES OSH 38 bag50kg 4321", "bag50kg", ""),  # none named: retail
    ],
)
def test_a_report_may_name_its_price_type_in_any_language(text, unit, price_type):
    command = parse(text)
    assert (command.unit, command.price_type, command.price) == (unit, price_type, Decimal(38))


def test_every_price_type_word_is_a_price_type_and_each_has_one_per_language():
    from agriprices.models import PriceType
    from sms_gateway.conversation.vocabulary import PRICE_TYPE_PHRASES, price_type_word

    assert {price_type for _, price_type in PRICE_TYPE_PHRASES} == set(PriceType.values)
    for price_type in PriceType.values:
        for language in ("en", "fr", "ru", "ky"):
            written = price_type_word(price_type, language)
            assert parse(f"P APPLES OSH 38 kg {written} 4321").price_type == price_type
