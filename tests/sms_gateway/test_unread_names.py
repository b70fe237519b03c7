"""A typo among other names is never dropped silently. A typo is forgiven where it is the
one name of its kind ("картошка нарин" is Naryn), not beside other names, where people's
names and everyday words would be read as crops and markets ("Алмаз" as apples); there
the reply answers the names read and says which words it did not read, with the names
they resemble: "Не найдено: нарин (Нарын?)."."""

import itertools
import re

import pytest

from agriprices.formatting import rounded_price
from agriprices.models import Commodity, Market
from agriprices.selectors.latest import latest_price
from sms_gateway.conversation.understanding import understand
from sms_gateway.models import Subscriber
from sms_gateway.segments import count_segments
from tests.sms_gateway.test_free_text import corpus
from tests.sms_gateway.test_lists_and_pairs import ask

numbers = (f"+99655536{n:04d}" for n in itertools.count())
NOT_FOUND = {
    "en": "Not found: ",
    "fr": "Introuvable: ",
    "ru": "Не найдено: ",
    "ky": "Табылган жок: ",
}
#: How each language asks about potatoes at Osh with a typo of Naryn.
QUESTIONS = {
    "en": "price of potatoes in osh and narin",
    "fr": "prix pommes de terre och narin",
    "ru": "картошка ош нарин",
    "ky": "картошка ош нарин",
}


def farmer(language, scheme=""):
    number = next(numbers)
    phone = f"{scheme}{number.lstrip('+') if scheme == 'telegram:' else number}"
    Subscriber.objects.create(phone=phone, language=language)
    return phone


def osh_potatoes(language):
    latest = latest_price(
        commodity=Commodity.objects.get(name="Potatoes"), market=Market.objects.get(name="Osh")
    )
    return f"{rounded_price(latest.price):f}"


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_a_typo_beside_other_names_is_said_with_the_name_it_resembles(demo, language):
    naryn = Market.objects.get(name="Naryn").display_name(language)
    reply = ask(QUESTIONS[language], farmer(language))
    assert count_segments(reply).segments == 1, reply
    mark = " ?)" if language == "fr" else "?)"
    assert reply.startswith(f"{NOT_FOUND[language]}narin ({naryn}{mark}.") or reply.startswith(
        f"{NOT_FOUND[language]}нарин ({naryn}{mark}."
    ), reply
    # The names read are answered as before, after it.
    assert Market.objects.get(name="Osh").display_name(language) in reply
    assert osh_potatoes(language) in reply


def test_each_typo_is_said_in_the_order_written_and_the_answer_is_whole(demo):
    reply = ask("potatoes osh narin talsa", farmer("en"))
    assert reply.startswith("Not found: narin (Naryn?), talsa (Talas?). Potatoes Osh: "), reply
    assert ".." not in reply and count_segments(reply).segments == 1


def test_a_typo_alone_is_still_forgiven_and_a_typo_of_a_name_read_is_not_said(demo):
    # The one market named: read as Naryn and answered, as before.
    reply = ask("картошка нарин", farmer("ru"))
    assert not reply.startswith(NOT_FOUND["ru"]) and "Нарын" in reply, reply
    # Naryn is named too: the typo of it asks nothing more.
    reply = ask("картошка ош нарын нарин", farmer("ru"))
    assert NOT_FOUND["ru"] not in reply, reply


def test_no_question_of_the_corpus_is_told_of_words_not_read(demo):
    """The note is for typos of names, not for the filler, greetings and inflections
    farmers write: none of the 790 questions as farmers write them gets one."""
    noted = [message for message, *_ in corpus() if understand(message).unread]
    assert noted == []


@pytest.mark.parametrize(
    ("question", "typo"),
    [
        ("подсолнечное масло и кукуруза в Оше, Нарыне, Таласе, Баткене и Каракле", "каракле"),
        ("картошка пияз ош бишкек нарин", "нарин"),
        ("подсолнечное масло талас бишкек ош нарин каракол", "нарин"),
        ("картошка ош бишкек джалал-абад нарин", "нарин"),
        ("сабиз нраын каракол ош токмок бишкек", "нраын"),
        ("картошка пияз сабиз ош бишкек талас нарин", "нарин"),
    ],
)
def test_the_typo_is_said_by_every_reply_of_a_chain(demo, question, typo):
    """However little room the answers leave (many names in Cyrillic's 70 characters,
    beside the pointer to the rest), the word not read is said: in full where it fits
    ("Не найдено: нарин (Нарын?)."), else asked back ("нарин?"), by every reply but one
    that points on to the question sent again (which has the word, and says it); the
    answers stay whole."""
    phone = farmer("ru")
    sent, replies = question, []
    while sent and len(replies) < 12:
        reply = ask(sent, phone)
        replies.append(reply)
        assert count_segments(reply).segments == 1 and ".." not in reply, reply
        onwards = re.search(r"Дальше: повторите вопрос \+ (\d+)$", reply)
        if not onwards:  # the last of the chain, or one whose hints ask for the rest
            assert reply.startswith((f"{NOT_FOUND['ru']}{typo}", f"{typo}?")), reply
        sent = f"{question} {onwards.group(1)}" if onwards else ""
    assert not sent


def test_a_typo_beside_markets_named_without_a_crop_is_said_beside_their_crops(demo):
    """Not "Не найдено: нарин. Может: ...": Osh and Bishkek, written right, were lost."""
    reply = ask("ош нарин бишкек", farmer("ru"))
    assert reply.startswith(f"{NOT_FOUND['ru']}нарин"), reply
    assert "Ош:" in reply and "БИШКЕК" in reply.upper(), reply
    # A typo of a market also named is that market again: answered, nothing said.
    reply = ask("ош нарын нарин", farmer("ru"))
    assert NOT_FOUND["ru"] not in reply and "Ош" in reply and "Нарын" in reply, reply


@pytest.mark.parametrize("scheme", ["whatsapp:", "telegram:"])
def test_a_chat_says_it_above_the_answers(demo, scheme):
    reply = ask("potatoes onions osh narin", farmer("en", scheme))
    note, blank, answers = reply.partition("\n\n")
    assert note == "Not found: narin (Naryn?).", reply
    assert answers.startswith("Potatoes Osh: ") and "Onions Osh: " in answers, reply


def test_the_ask_api_gives_the_words_and_the_names_they_resemble(demo, client):
    body = client.get("/api/v1/ask/", {"q": "potatoes osh narin"}).json()
    assert body["answer"]["kind"] == "price"
    assert body["answer"]["unread"] == [{"words": "narin", "suggestions": ["Naryn"]}]
    assert body["text"].startswith("Not found: narin (Naryn?). Potatoes Osh: ")


@pytest.mark.parametrize(
    ("question", "crops", "markets"),
    [
        (
            "цены на картошку и морковку в Оше и Бишкеке",
            {"Potatoes", "Carrots"},
            {"Osh", "Bishkek"},
        ),
        ("картошки и морковки в оше и бишкеке", {"Potatoes", "Carrots"}, {"Osh", "Bishkek"}),
        ("картошка Ош Таласбы?", {"Potatoes"}, {"Osh", "Talas"}),  # ky question particle
        ("почем лучок и картошка в Бишкеке", {"Onions", "Potatoes"}, {"Bishkek"}),
    ],
)
def test_words_farmers_write_right_are_read_not_called_not_found(demo, question, crops, markets):
    """Everyday forms are names, not typos: a note calling them "not found" (with the
    very crop as its guess) was wrong, and left them unanswered."""
    request = understand(question)
    assert {c.name for c in request.crops} == crops
    assert {m.name for m in request.markets} == markets
    assert request.unread == ()


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("je m'appelle Marie, prix oignons Och", "fr"),
        ("My name is Marie, onions osh", "en"),
        ("Меня зовут Алмаз. Лук в Оше сколько?", "ru"),
        ("Меня зовут Алма. Лук в Оше сколько?", "ru"),  # a woman's name, not apples
        ("Менин атым Канат, пияз Ошто канча", "ky"),
        ("menin atym Kanat piyaz osh", "ky"),
        ("menya zovut Almaz luk v oshe", "ru"),
    ],
)
def test_a_farmer_giving_his_name_is_not_told_it_is_not_found(demo, question, language):
    """A person's name after the words that give it is neither a crop, nor a market, nor
    a typo of one ("Introuvable: appelle, marie", "Не найдено: алмаз (Яблоки?)")."""
    request = understand(question)
    assert (request.commodity.name, request.market.name) == ("Onions", "Osh")
    assert request.unread == () and request.unmatched == ""
    reply = ask(question, farmer(language))
    assert NOT_FOUND[language] not in reply and "?" not in reply.split(": ")[0], reply


@pytest.mark.parametrize(
    ("question", "crop", "market"),
    [
        ("это картофиль в Оше?", "Potatoes", "Osh"),
        ("картошка, это Жалалабат?", "Potatoes", "Jalal-Abad"),
        ("c'est pomes de terre Och", "Potatoes", "Osh"),
        ("I'm in Osh, potatoes?", "Potatoes", "Osh"),
    ],
)
def test_a_crop_or_market_after_words_that_may_give_a_name_is_read(demo, question, crop, market):
    """ "это", "c'est", "I'm" come before a crop or a market as often as before a name:
    the word after them is read as any other, a typo forgiven."""
    request = understand(question)
    assert (request.commodity.name, request.market.name) == (crop, market)


def test_a_typo_inflected_in_russian_is_forgiven_as_any_typo(demo):
    """The natural way to write it, "картошка в Нарине?", lost the crop to "not found"."""
    request = understand("картошка в Нарине?")
    assert (request.commodity.name, request.market.name) == ("Potatoes", "Naryn")
    assert request.sure is False  # a typo, read as one


@pytest.mark.parametrize(
    ("language", "question", "said"),
    [
        ("ky", "картошка Чүйбү", "чүйбү"),  # ү and й are letters of their own
        ("ru", "лук Краснодарский", "краснодарский"),
        ("fr", "oignons à Sète", "sète"),  # è is a GSM-7 letter
    ],
)
def test_words_not_found_are_said_back_as_the_farmer_wrote_them(demo, language, question, said):
    """Folding (for matching) drops marks that are letters to the reader: "чуибу" is not
    what a Kyrgyz farmer wrote, nor "краснодарскии" what a Russian one did."""
    reply = ask(question, farmer(language))
    assert said in reply, reply


@pytest.mark.parametrize(
    ("language", "question", "said"),
    [("ky", "сатам чүйбү", "чүйбү"), ("ru", "продам йогурт", "йогурт")],
)
def test_a_crop_to_sell_not_found_is_said_back_as_written(demo, language, question, said):
    assert f"{NOT_FOUND[language]}{said}" in ask(question, farmer(language))


@pytest.mark.parametrize("typo", ["narîn", "NARİN"])
def test_a_latin_reply_says_back_a_letter_gsm_cannot_carry_folded(demo, typo):
    """One letter outside GSM-7 would make the whole reply UCS-2: 70 characters, not
    160, and the answer would lose its comparisons."""
    reply = ask(f"potatoes osh {typo}", farmer("en"))
    assert reply.startswith("Not found: narin (Naryn?). Potatoes Osh: "), reply
    assert count_segments(reply).encoding == "GSM-7" and "Cheaper" in reply, reply


def test_long_words_not_found_are_cut_never_what_to_do_next(demo):
    reply = ask("ош " + "чүйбү" * 8, farmer("ky"))
    assert reply.endswith(".. ЖАРДАМ деп жазыңыз."), reply
    assert count_segments(reply).segments == 1, reply


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_long_words_not_found_are_cut_before_the_closest_name_and_the_hint(language):
    """What to do next reaches the farmer whole: the closest name and how to get help;
    the words he typed are what is cut."""
    from django.utils import translation

    from sms_gateway.replies.prices import not_found_reply

    reply = not_found_reply(language=language, words="ж" * 40, suggestions=["Potatoes"])
    with translation.override(language):
        hint = translation.pgettext("sms", "Send HELP.")
    assert ".. " in reply and "Potatoes" in reply and reply.endswith(hint), reply
    assert count_segments(reply).segments == 1, reply
