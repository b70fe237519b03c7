"""Farmers write as they speak: the crop and market anywhere in the message, in four
languages and two scripts, inflected, misspelt, among filler words. Scored over a corpus
of realistic questions (tests/data/free_text_questions.tsv) on the demo catalogue: each
row names the crop, the market, the language to answer in and, for a question naming two
crops or two markets, the other one."""

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agriprices.models import Commodity, Market
from sms_gateway.conversation.understanding import understand
from tests.profiles import examples

CORPUS = Path(__file__).parents[1] / "data" / "free_text_questions.tsv"
#: The share of the corpus that must be understood right, per language and in all.
GOOD_ENOUGH = 0.97


def corpus() -> list[tuple[str, str, str, str, str]]:
    """(message, crop, market, language, the other crop or market or "")."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return [(*row[:4], row[4] if len(row) > 4 else "") for row in rows]


def test_the_corpus_is_large_and_covers_the_demo(demo):
    rows = corpus()
    assert len(rows) >= 750
    assert len({r[0] for r in rows}) == len(rows)  # no question twice
    assert sum(1 for r in rows if r[4]) >= 30
    # A market asked alone ("Ош базарында эмне бар"), a crop asked alone: the other empty.
    assert {r[1] for r in rows} - {""} == set(Commodity.objects.values_list("name", flat=True))
    assert {r[2] for r in rows} - {""} == set(Market.objects.values_list("name", flat=True))
    assert {r[3] for r in rows} == {"en", "fr", "ru", "ky"}


def test_questions_are_understood_as_farmers_write_them(demo, capsys):
    right, total, wrong = Counter(), Counter(), []
    for message, crop, market, language, also in corpus():
        request = understand(message)
        got = (
            getattr(request.commodity, "name", ""),
            getattr(request.market, "name", ""),
            request.language,
            getattr(request.also, "name", ""),
        )
        total[language] += 1
        if got == (crop, market, language, also):
            right[language] += 1
        else:
            wrong.append(f"{message!r}: expected {(crop, market, language, also)}, got {got}")
    with capsys.disabled():
        for language in sorted(total):
            share = right[language] / total[language]
            print(f"\nfree text, {language}: {right[language]}/{total[language]} = {share:.1%}")
    share = sum(right.values()) / sum(total.values())
    assert share >= GOOD_ENOUGH, "\n".join(wrong)
    for language in total:
        assert right[language] / total[language] >= GOOD_ENOUGH, "\n".join(wrong)


@pytest.mark.parametrize(
    ("message", "crop", "market"),
    [
        ("wheat flour bishkek", "Wheat flour", "Bishkek"),  # not wheat: the longest name wins
        ("pommes de terre osh", "Potatoes", "Osh"),  # not apples
        ("pommes osh", "Apples", "Osh"),
        ("jalalabad onions", "Onions", "Jalal-Abad"),  # the hyphen left out
        ("жалал абад пияз", "Onions", "Jalal-Abad"),
        ("Ошто уй этинин баасы", "Beef", "Osh"),  # эт + и + нин
        ("кой эти Талас", "Mutton", "Talas"),  # Kyrgyz without its own letters
        ("🥔🥔 potatoes!!! Osh?", "Potatoes", "Osh"),
    ],
)
def test_names_are_found_whole_and_inflected(demo, message, crop, market):
    request = understand(message)
    assert (request.commodity.name, request.market.name) == (crop, market)


def test_a_name_an_operator_gave_only_in_a_language_is_understood(demo):
    """A new market named in Kyrgyz in the admin, no alias: the board shows Өзгөн, so
    a farmer types Өзгөн."""
    osh = Market.objects.get(slug="osh")
    uzgen = Market.objects.create(
        name="Uzgen", slug="uzgen-new", region=osh.region, translations={"ky": "Өзгөн"}
    )
    request = understand("пияз Өзгөн")
    assert (request.commodity.name, request.market, request.language) == ("Onions", uzgen, "ky")
    assert understand("пияз өзгөндө").market == uzgen  # inflected, as Kyrgyz says it


def test_a_name_in_a_language_never_takes_another_kinds_alias(demo):
    """Kant, a town, is "Кант" in Russian and Kyrgyz; "кант" is Kyrgyz for sugar, an
    alias the operators gave: sugar it stays."""
    sugar = Commodity.objects.get(aliases__normalized="кант")
    osh = Market.objects.get(slug="osh")
    Market.objects.create(
        name="Kant Bazaar",
        slug="kant",
        region=osh.region,
        translations={"ru": "Кант", "ky": "Кант"},
    )
    request = understand("пияз кант ош")
    assert set(request.crops) >= {sugar} and request.market == osh, request


def test_a_typo_is_forgiven_but_marked_unsure(demo):
    request = understand("onoins bishkke")
    assert (request.commodity.name, request.market.name) == ("Onions", "Bishkek")
    assert not request.sure
    assert understand("onions bishkek").sure


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("канча турат пияз ош", "ky"),  # Kyrgyz question words
        ("Ошто пияз", "ky"),  # a Kyrgyz case ending
        ("кой эти ош", "ky"),  # a name only Kyrgyz has
        ("лук в Оше", "ru"),  # a Russian case ending
        ("prix oignons osh", "fr"),
        ("oignons osh", "fr"),  # a French name; the market's own name is everyone's
        ("oignons och", "fr"),  # the market's French name
        ("onions och", "en"),  # an English crop at the market named in French
        ("лук ош", "ru"),
        ("price onions osh", "en"),
    ],
)
def test_the_reply_language_follows_the_words_used(demo, message, language):
    assert understand(message).language == language


def test_unknown_words_where_a_name_is_missing_are_said_not_found(demo):
    assert understand("tractor osh").unmatched == "tractor"
    assert understand("potatoes kara-balta").unmatched == "kara balta"


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_no_message_makes_understanding_raise(demo, text):
    understand(text)


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_message_that_is_exactly_a_catalogue_name_resolves_to_it(demo, data):
    things = list(Commodity.objects.all()) + list(Market.objects.all())
    thing = data.draw(st.sampled_from(things))
    language = data.draw(st.sampled_from(["", *thing.translations]))
    name = thing.translations.get(language) or thing.name
    request = understand(name)
    found = request.commodity if isinstance(thing, Commodity) else request.market
    assert found is not None and found.pk == thing.pk, name
