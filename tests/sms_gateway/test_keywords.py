"""No question is a command: STOP, START, HELP and their French, Russian and Kyrgyz words
act only when they are the whole message, less case, spaces and punctuation; LIST, LANG
and SELL are understood as farmers phrase them; a plea to stop is answered with how to.
Over a table written by hand (tests/data/keyword_messages.tsv), through the inbound SMS
path on the demo catalogue, and a property: no text that is not exactly a keyword changes
a number's opt-out state."""

import itertools
import re
import unicodedata
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import pgettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agriprices.models import Commodity, Market
from sms_gateway import channels
from sms_gateway.channels import inbound
from sms_gateway.conversation.understanding import understand
from sms_gateway.models import Subscriber, Subscription
from tests.profiles import examples

TABLE = Path(__file__).parents[1] / "data" / "keyword_messages.tsv"
numbers = (f"+99655534{n:04d}" for n in itertools.count())
#: How each language's replies name the word that stops every SMS.
STOP_WORDS = ("STOP", "СТОП", "ТОКТОТ")

# The exact keywords, written out here (not taken from the code under test), in the
# form left once case, accents, spaces and punctuation are gone.
OPT_OUT = {
    *"stop stopall unsubscribe cancel end quit unsub".split(),
    *"arret arrete arretes arreter arretez desabonner desabonnement desabo".split(),
    *"desinscrire desinscription".split(),
    *"стоп отписаться отмена отписка".split(),
    *"токто токтот токтотуу tokto toktot".split(),
}
OPT_IN = {
    *"start unstop demarrer reprendre".split(),
    *"старт начать возобновить".split(),
    *"башта баштоо bashta bashtoo".split(),
}


def rows() -> list[tuple[str, str]]:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]


def bare(text: str) -> str:
    """The message less case, accents (Kyrgyz ң ө ү typed as н о у), spaces and
    punctuation."""
    text = text.casefold().translate(str.maketrans("ңөүй", "ноуи"))
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return re.sub(r"[\W_]", "", text)


# How STOP and START look typed with a Cyrillic keyboard: letters that look Latin (С
# standing for S), Latin letters that look Cyrillic, and the keys of the other layout.
LOOK_ALIKE = [
    str.maketrans("стоpраеc", "stoppaes"),
    str.maketrans("ctopae", "стораe"),
    str.maketrans("ыещзфк", "stopar"),
    str.maketrans("cnjgfh", "стопар"),
]


def meant(text: str) -> str:
    """The keyword a bare message spells, read through its look-alike letters."""
    word = bare(text)
    if word in OPT_OUT | OPT_IN:
        return word
    return next((w for t in LOOK_ALIKE if (w := word.translate(t)) in OPT_OUT | OPT_IN), word)


def send(text: str, *, opted_out: bool = False, follows=None):
    sender = next(numbers)
    subscriber = Subscriber.objects.create(phone=sender, opted_out=opted_out)
    if follows is not None:
        crop, market = follows
        Subscription.objects.create(subscriber=subscriber, commodity=crop, market=market)
    message = inbound.receive(
        provider="test", provider_sid=f"kw:{sender}", sender=sender, body=text
    )
    return message, Subscriber.objects.get(phone=sender)


def stop_help(language: str) -> str:
    with translation.override(language):
        return pgettext("sms", "To get no more SMS from us, send STOP alone.")


def follows(crop: str, market: str):
    return Commodity.objects.get(name=crop), Market.objects.get(name=market)


def test_the_table_has_a_hundred_non_commands_and_forty_commands():
    kinds = [expected.split(" ")[0] for _text, expected in rows()]
    assert sum(kind in ("question", "plea") for kind in kinds) >= 100
    assert sum(kind in ("opt_out", "opt_in", "help") for kind in kinds) >= 40
    assert {"list", "lang", "sell", "unsub", "more"} <= set(kinds)
    assert len({text for text, _ in rows()}) == len(rows())


@pytest.mark.parametrize(("text", "expected"), rows(), ids=[f"{e}:{t}" for t, e in rows()])
def test_a_message_is_taken_for_what_it_says(demo, text, expected):
    kind, *argument = expected.split(" ")
    starts_out = kind == "opt_in"
    followed = follows(" ".join(argument[1:-1]), argument[-1]) if kind == "unsub" else None
    message, subscriber = send(text, opted_out=starts_out, follows=followed)
    if kind == "opt_out":
        assert message.action == "opt_out" and subscriber.opted_out
    elif kind == "opt_in":
        assert message.action == "opt_in" and not subscriber.opted_out
    elif kind == "help":
        assert message.action == "help" and any(w in message.reply for w in STOP_WORDS)
    elif kind == "question":
        request = understand(text)
        assert message.action in ("query", "sell")
        assert request.commodity is not None or request.market is not None
        assert not any(w in message.reply for w in STOP_WORDS), message.reply
    elif kind == "plea":
        assert message.action == "help"
        assert any(w in message.reply for w in STOP_WORDS), message.reply
        if argument:  # in the language the plea was written in
            assert stop_help(argument[0]) in message.reply, message.reply
    elif kind == "unsub":
        crop, market = followed
        assert message.action == "unsubscribe", message.reply
        assert not subscriber.subscriptions.exists()
        with translation.override(argument[0]):
            said = pgettext("sms", "Unsubscribed: {what}.").format(
                what=f"{crop.display_name(argument[0])} {market.display_name(argument[0])}"
            )
        assert message.reply == said
    elif kind == "more":
        assert message.action == "help"
        assert re.search(r"(LIST|LISTE|СПИСОК|ТИЗМЕ) 2", message.reply), message.reply
    elif kind == "list":
        assert (
            message.action == "list"
            and (understand(text).command.list_kind or "crops") == (argument[0])
        )
    elif kind == "lang":
        assert message.action == "lang" and subscriber.language == argument[0]
    elif kind == "sell":
        request = understand(text)
        assert message.action == "sell" and request.commodity.name == " ".join(argument)
        assert request.commodity.display_name(request.language or "en") in message.reply
    else:  # pragma: no cover - a typo in the table
        raise AssertionError(expected)
    if kind not in ("opt_out", "opt_in"):
        assert subscriber.opted_out is starts_out  # nothing but the keyword changes it


def test_a_plea_to_stop_says_how_and_stop_then_stops(demo):
    message, subscriber = send("please stop sending me messages")
    assert message.reply.startswith("To get no more SMS from us, send STOP alone.")
    assert not subscriber.opted_out
    message = inbound.receive(
        provider="test", provider_sid="kw:then-stop", sender=subscriber.phone, body="STOP"
    )
    assert message.action == "opt_out"
    assert Subscriber.objects.get(phone=subscriber.phone).opted_out


KEYWORDS = sorted(
    OPT_OUT | OPT_IN | {"help", "info", "aide", "помощь", "жардам", "СТОР", "STОP", "ыещз"}
)
OTHER_WORDS = [
    "potatoes", "osh", "картошка", "Ошто", "price", "all", "sms", "please", "of", "harvest",
    "канча", "цена", "le", "prix", "!", "?", ".", "-", "2", "STOP", "Stop", "ALL",
]  # fmt: skip


def messages():
    """Texts near the keywords: a keyword alone, in pieces, with punctuation, beside other
    words; and anything at all."""
    words = st.sampled_from(KEYWORDS + OTHER_WORDS)
    glue = st.sampled_from(["", " ", "  ", "-", ".", "!", ", ", "\n"])
    built = st.lists(st.tuples(words, glue), min_size=1, max_size=5).map(
        lambda parts: "".join(word + sep for word, sep in parts)
    )
    return st.one_of(built, st.text(max_size=80))


@settings(
    max_examples=examples(400),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=messages(), opted_out=st.booleans())
def test_no_text_but_a_keyword_changes_the_opt_out_state(demo, text, opted_out):
    phone = "+996555349999"
    with transaction.atomic():
        Subscriber.objects.update_or_create(phone=phone, defaults={"opted_out": opted_out})
        inbound.answer(
            channel=channels.for_address(phone),
            sender=phone,
            body=text,
            message_key="property",
            simulated=True,
        )
        now = Subscriber.objects.get(phone=phone).opted_out
        transaction.set_rollback(True)
    word = meant(text)
    if word in OPT_OUT:
        assert now is True, text
    elif word in OPT_IN:
        assert now is False, text
    else:
        assert now is opted_out, text


@pytest.mark.parametrize(
    ("text", "opted_out", "follows_after"),
    [
        ("STOP", True, True),
        ("UNSUB POTATOES OSH", False, False),
        ("cancel potato osh", False, False),
    ],
)
def test_stop_and_unsub_act_past_the_hourly_limit(demo, settings, text, opted_out, follows_after):
    """A number that asked 30 questions this hour can still stop us, with or without a
    reply: the limit holds back answers, never a STOP."""
    settings.SMS_MAX_QUERIES_PER_HOUR = 3
    phone = next(numbers)
    subscriber = Subscriber.objects.create(phone=phone)
    crop, market = follows("Potatoes", "Osh")
    Subscription.objects.create(subscriber=subscriber, commodity=crop, market=market)

    def sms(body: str, n: int):
        return inbound.receive(
            provider="test", provider_sid=f"lim:{phone}:{n}", sender=phone, body=body
        )

    answered = [sms("potato osh", n) for n in range(5)]
    assert [m.action for m in answered] == ["query"] * 3 + ["limited"] * 2
    stopped = sms(text, 5)
    subscriber.refresh_from_db()
    assert subscriber.opted_out is opted_out
    assert subscriber.subscriptions.exists() is follows_after
    assert stopped.action in ("opt_out", "unsubscribe") and stopped.reply  # confirmed
    again = sms(text, 6)  # a repeat changes nothing more
    assert again.action == stopped.action
    subscriber.refresh_from_db()
    assert subscriber.opted_out is opted_out


def test_start_acts_past_the_hourly_limit_and_the_daily_one_silences_only_the_reply(demo, settings):
    settings.SMS_MAX_QUERIES_PER_HOUR = 2
    settings.SMS_MAX_SEGMENTS_PER_DAY = 3
    phone = next(numbers)
    Subscriber.objects.create(phone=phone)

    def sms(body: str, n: int):
        return inbound.receive(
            provider="test", provider_sid=f"day:{phone}:{n}", sender=phone, body=body
        )

    for n in range(3):
        sms("HELP", n)
    stop = sms("STOP", 3)  # the third segment of the day: answered
    assert stop.reply and Subscriber.objects.get(phone=phone).opted_out
    start = sms("START", 4)  # past both limits: done, recorded as done, not answered
    assert (start.action, start.reply) == ("opt_in", "")
    assert not Subscriber.objects.get(phone=phone).opted_out


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("please stop the potato osh messages", "en"),
        ("no more potato osh sms", "en"),
        ("STOP POTATO OSH", "en"),
        ("arrêtez les SMS pommes de terre Osh", "fr"),
        ("хватит присылать картошку ош", "ru"),
        ("Ошто картошка смс жибербегиле", "ky"),
    ],
)
def test_a_plea_to_stop_what_a_number_follows_says_how_to_stop_it(demo, text, language):
    crop, market = follows("Potatoes", "Osh")
    message, subscriber = send(text, follows=(crop, market))
    with translation.override(language):
        unsub = pgettext("sms", "UNSUB {what} to stop.").format(
            what=f"{crop.display_name(language)} {market.display_name(language)}"
        )
    assert message.reply.startswith(unsub.rstrip(".")), message.reply
    assert subscriber.subscriptions.count() == 1 and not subscriber.opted_out  # nothing done
    # The command it names works as sent.
    said = unsub.rstrip(".").split("UNSUB", 1)[1].split(" to stop")[0]
    done = inbound.receive(
        provider="test",
        provider_sid=f"kw:unsub:{subscriber.phone}",
        sender=subscriber.phone,
        body=f"UNSUB {said}",
    )
    assert done.action == "unsubscribe" and not subscriber.subscriptions.exists()


@pytest.mark.parametrize(
    ("text", "how"),
    [
        ("SELL", "SELL POTATO"),
        ("VENDRE", "VENDRE POMMES DE TERRE"),
        ("продать", "ПРОДАТЬ КАРТОШКА"),
        ("сатам", "САТАМ КАРТОШКА"),
    ],
)
def test_sell_alone_says_how_to_name_the_crop_in_its_language(demo, text, how):
    message, subscriber = send(text)
    assert message.action == "help" and how in message.reply, message.reply
    example = inbound.receive(
        provider="test",
        provider_sid=f"kw:sell:{subscriber.phone}",
        sender=subscriber.phone,
        body=how,
    )
    assert example.action == "sell" and understand(how).commodity.name == "Potatoes"


@pytest.mark.parametrize(
    ("text", "language", "crop", "market", "kind", "pct"),
    [
        ("S'ABONNER pommes de terre osh", "fr", "Potatoes", "Osh", "weekly", None),
        ("m'abonner oignons naryn", "fr", "Onions", "Naryn", "weekly", None),
        (
            "abonnement huile de tournesol jalal-abad 15",
            "fr",
            "Sunflower oil",
            "Jalal-Abad",
            "alert",
            15,
        ),
        ("подписаться лук нарын", "ru", "Onions", "Naryn", "weekly", None),
        ("подписка мука ош тревога", "ru", "Wheat flour", "Osh", "alert", None),
        ("подписка картошка ош изменения", "ru", "Potatoes", "Osh", "alert", None),
        ("жазылуу ун ош эскертүү", "ky", "Wheat flour", "Osh", "alert", None),
        ("SUB RICE BATKEN CHANGE", "en", "Rice", "Batken", "alert", None),
        ("abo riz batken alerte", "fr", "Rice", "Batken", "alert", None),
    ],
)
def test_subscribing_in_a_farmers_words(demo, settings, text, language, crop, market, kind, pct):
    message, subscriber = send(text)
    assert message.action == "subscribe", message.reply
    subscription = subscriber.subscriptions.get()
    assert (subscription.commodity.name, subscription.market.name) == (crop, market)
    assert subscription.kind == kind
    assert subscription.alert_pct == pct
    assert subscription.language == language
