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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sms_gateway import services
from sms_gateway.conversation.understanding import understand
from sms_gateway.models import Subscriber

TABLE = Path(__file__).parents[1] / "data" / "keyword_messages.tsv"
numbers = (f"+99655534{n:04d}" for n in itertools.count())
#: How each language's replies name the word that stops every SMS.
STOP_WORDS = ("STOP", "СТОП", "ТОКТОТ")

# The exact keywords, written out here (not taken from the code under test), in the
# form left once case, accents, spaces and punctuation are gone.
OPT_OUT = {
    *"stop stopall unsubscribe cancel end quit unsub".split(),
    *"arret arreter arretez desabonner desabonnement desabo".split(),
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


def send(text: str, *, opted_out: bool = False):
    sender = next(numbers)
    Subscriber.objects.create(phone=sender, opted_out=opted_out)
    message = services.receive_sms(
        provider="test", provider_sid=f"kw:{sender}", sender=sender, body=text
    )
    return message, Subscriber.objects.get(phone=sender)


def test_the_table_has_a_hundred_non_commands_and_forty_commands():
    kinds = [expected.split(" ")[0] for _text, expected in rows()]
    assert sum(kind in ("question", "plea") for kind in kinds) >= 100
    assert sum(kind in ("opt_out", "opt_in", "help") for kind in kinds) >= 40
    assert {"list", "lang", "sell"} <= set(kinds)
    assert len({text for text, _ in rows()}) == len(rows())


@pytest.mark.parametrize(("text", "expected"), rows(), ids=[f"{e}:{t}" for t, e in rows()])
def test_a_message_is_taken_for_what_it_says(demo, text, expected):
    kind, *argument = expected.split(" ")
    starts_out = kind == "opt_in"
    message, subscriber = send(text, opted_out=starts_out)
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
    message = services.receive_sms(
        provider="test", provider_sid="kw:then-stop", sender=subscriber.phone, body="STOP"
    )
    assert message.action == "opt_out"
    assert Subscriber.objects.get(phone=subscriber.phone).opted_out


KEYWORDS = sorted(OPT_OUT | OPT_IN | {"help", "info", "aide", "помощь", "жардам"})
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
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=messages(), opted_out=st.booleans())
def test_no_text_but_a_keyword_changes_the_opt_out_state(demo, text, opted_out):
    phone = "+996555349999"
    with transaction.atomic():
        Subscriber.objects.update_or_create(phone=phone, defaults={"opted_out": opted_out})
        services.answer(sender=phone, body=text, message_key="property", simulated=True)
        now = Subscriber.objects.get(phone=phone).opted_out
        transaction.set_rollback(True)
    word = bare(text)
    if word in OPT_OUT:
        assert now is True, text
    elif word in OPT_IN:
        assert now is False, text
    else:
        assert now is opted_out, text
