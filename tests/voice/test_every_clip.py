"""Every clip a caller can hear is one the clips page lists (so it can be recorded) and
one `voice_clips --synthesize` makes (so its URL serves audio on a new disk or another
host): the menus are walked through the webhook, every key of every menu, in every
language, and what they play is checked against the list. A made-up clip name is a
cheap 404; HEAD is answered like GET. Kyrgyz keys and percentages are said in the case
the sentence needs."""

import io
import os
import re
import xml.etree.ElementTree as ET
from collections import deque
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import pgettext

from agriprices import spoken
from agriprices.declension import locative
from agriprices.models import Commodity, Market
from sms_gateway.models import Subscriber, Subscription
from tests.voice.conftest import Call, seconds
from voice import clips, coverage, phrases, services
from voice.menus import menu_texts
from voice.phrases import Piece

pytestmark = pytest.mark.django_db
KEYS = [*"1234567890", "*", "#"]  # every key a phone has


class Walk:
    """One call walking every menu breadth first, from the first prompt: every key and
    the silences at each menu, each menu (by what it says, names and numbers aside)
    walked on from once. Every clip played is kept with the text it was made from."""

    def __init__(self, client, monkeypatch, phone):
        self.call = Call(client, phone=phone)
        self.played: dict[str, Piece] = {}
        self.shapes: set[frozenset[str]] = set()
        real = clips.sources

        def recording(pieces):
            said = real(pieces)
            self.played.update({s.name: s.piece for s in said if s.name})
            return said

        monkeypatch.setattr(clips, "sources", recording)
        monkeypatch.setattr(services, "MAX_REQUESTS", 100_000)
        self.kinds, self.notes = {}, set()
        for code in ("en", "fr", "ru", "ky"):
            for n in phrases.needed(code, menu_texts(code)):
                self.kinds[(code, n.text)] = n.kind
            with translation.override(code):
                self.notes.add(phrases.clean(pgettext("ussd", "Not a choice.")))

    def shape(self, answer: ET.Element) -> frozenset[str]:
        """What a prompt says, names and number words by their kind, a wrong key's note
        aside: two menus of crops, or two prices, are one shape."""
        words = {"gather" if answer.find("Gather") is not None else "end"}
        for play in answer.iter("Play"):
            piece = self.played.get(play.text.rsplit("/", 1)[1])
            if piece is None:
                words.add(play.text)
                continue
            kind = self.kinds.get((piece.language, piece.text), "?")
            words.add(piece.text if kind in ("prompt", "?") else kind)
        gather = answer.find("Gather")
        if gather is not None and "f=" in gather.get("action"):
            words.add("after an answer")
        return frozenset(words - self.notes)

    def run(self) -> None:
        self.requests = 0
        todo = deque([self.call.start()])
        while todo:
            at = todo.popleft()
            gather = at.find("Gather")
            if gather is None:
                continue
            shape = self.shape(at)
            # A list of the catalogue's names: its first and last choice stand for all
            # (the others lead to menus and answers of the same shapes).
            keys = ["1", "9", "0", "*", "#"] if {"crop", "market"} & shape else KEYS
            for key in keys:
                answer = self.call.answer(self.call.post(gather.get("action"), key))
                self.requests += 1
                if self.shape(answer) not in self.shapes:
                    self.shapes.add(self.shape(answer))
                    todo.append(answer)
            quiet = at
            while quiet.find("Redirect") is not None:  # nothing pressed, until goodbye
                quiet = self.call.answer(self.call.post(quiet.find("Redirect").text))

    def each_answer(self) -> None:
        """Menus of one shape lead to different answers (a crop's price, where it sells
        best): each entry of the main menu walked to its answer, in each language, and
        the keys after it."""
        for language in "1234":
            for entry in "123456":
                answer = self.call.start()
                for key in (language, entry, "1", "1", "1"):
                    gather = answer.find("Gather")
                    if gather is None:
                        break
                    answer = self.call.answer(self.call.post(gather.get("action"), key))


@pytest.fixture
def callers(demo):
    """A first caller (no language yet) who follows a crop, and one who stopped SMS."""
    apples = Commodity.objects.order_by("pk").first()
    batken = Market.objects.order_by("-pk").first()
    follower = Subscriber.objects.create(phone="+996700990001")
    Subscription.objects.create(subscriber=follower, commodity=apples, market=batken)
    stopped = Subscriber.objects.create(phone="+996700990002", opted_out=True)
    Subscription.objects.create(subscriber=stopped, commodity=apples, market=batken)
    return [follower.phone, stopped.phone]


def listed() -> dict[str, Piece]:
    """Every clip the clips page lists, by the name of its synthesised file."""
    out = {}
    for code in ("en", "fr", "ru", "ky"):
        for state in coverage.clips_of(code):
            piece = Piece(code, state.needed.text)
            out[clips.synthesized_name(piece)] = piece
    return out


def test_every_clip_a_caller_can_hear_is_listed_and_made_by_a_rebuild(
    client, heard, callers, monkeypatch, settings, tmp_path
):
    settings.SMS_MAX_QUERIES_PER_HOUR = 100_000  # every answer, not the limit's refusal
    played: dict[str, Piece] = {}
    for phone in callers:  # one who follows a crop, one who stopped SMS
        walk = Walk(client, monkeypatch, phone)
        walk.run()
        if phone == callers[1]:
            # The walk pressed "get SMS again" on its way (after an answer, the key takes
            # them back): stopped again, subscribing asks to have them again first.
            Subscriber.objects.filter(phone=phone).update(opted_out=True)
        walk.each_answer()
        played.update(walk.played)
    said = {p.text for p in played.values()}
    for menu in ("Choose a crop", "Choose a market", "Stop following", "Language"):
        assert menu in said  # each menu reached, "Language" as a first caller going back
    for answer in (
        "You no longer follow",
        "Our SMS will reach you again",
        "pays most",
        "Yes, get SMS again",
        "You follow",
    ):
        assert any(answer in text for text in said), answer
    assert "Thank you for calling. Goodbye" in said
    unlisted = sorted(f"{p.language}: {p.text}" for n, p in played.items() if n not in listed())
    assert not unlisted, unlisted

    # A new disk, where the sentences' clips a caller heard are not (the names and
    # number words, made from the same list, are linked in to keep the test short):
    # the rebuild makes them, and every clip heard is served.
    left_out = {n for n, p in played.items() if walk.kinds.get((p.language, p.text)) == "prompt"}
    assert len(left_out) > 100
    for made in clips.clips_dir().glob("s-*.wav"):
        if made.name not in left_out:
            os.link(made, tmp_path / made.name)
    settings.VOICE_CLIPS_DIR = tmp_path
    call_command("voice_clips", "--synthesize", stdout=io.StringIO(), stderr=io.StringIO())
    for name in played:
        assert (tmp_path / name).is_file(), played[name]
        response = client.get(f"/voice/clips/{name}")
        assert response.status_code == 200
        assert seconds(b"".join(response.streaming_content)) > 0.05, played[name]


def test_a_followed_crop_is_said_as_its_name_and_market(client, heard, callers):
    call = Call(client, phone=callers[0])
    call.start()
    call.press("1")  # English
    call.press("4")  # unsubscribe
    apples = Commodity.objects.order_by("pk").first()
    batken = Market.objects.order_by("-pk").first()
    words = heard.words(call.plays()).split(" | ")
    at = words.index(apples.display_name("en"))
    assert words[at + 1] == locative(batken, "en")


def test_a_clip_name_that_is_no_clip_is_a_cheap_404(client, demo, monkeypatch):
    assert client.get("/voice/clips/s-0123456789abcdef01234567.wav").status_code == 404
    worked_out = []
    real = coverage.needed
    monkeypatch.setattr(coverage, "needed", lambda *a: worked_out.append(a) or real(*a))
    for made_up in ("s-00000000000000000000000a.wav", "s-ffffffffffffffffffffffff.wav"):
        assert client.get(f"/voice/clips/{made_up}").status_code == 404
    assert worked_out == []  # no clip list worked out again for a name that is none


def test_head_on_a_clip_is_answered_like_get_without_the_body(client, demo):
    name = clips.synthesize(Piece("en", "Welcome to AgriPrices"))
    got = client.get(f"/voice/clips/{name}")
    body = b"".join(got.streaming_content)
    head = client.head(f"/voice/clips/{name}")
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == got["Content-Type"] == "audio/wav"
    assert int(head["Content-Length"]) == len(body)
    assert head["Cache-Control"] == got["Cache-Control"]
    assert client.head("/voice/clips/s-00000000000000000000000b.wav").status_code == 404


# --- Kyrgyz ----------------------------------------------------------------------------

#: A number said as the object of "press" would need its accusative ("бирди", "нөлдү"):
#: the key is named by its number before "баскычын" instead.
_KY_DIGITS = {spoken.number(n, "ky") for n in range(10)}


def test_kyrgyz_names_each_key_by_its_number_before_baskychyn(demo):
    """Keys in Kyrgyz: "бир баскычын басыңыз" (press key one), "Баасы — бир баскычы" (key
    one for prices): never a bare number as what is pressed ("бир басыңыз"), so no number
    needs its accusative ("бирди")."""
    prompts: list[list[Piece]] = [phrases.language_choice(["en", "fr", "ru", "ky"])]
    prompts.append(phrases.menu("", ["Баасы", "Сатуу"], "ky", more=True, back=True))
    prompts.append(phrases.after_answer("ky", sms=True))
    keys = 0
    for said in prompts:
        texts = [p.text for p in said if p.language == "ky"]
        for index, text in enumerate(texts):
            if text in ("баскычын басыңыз", "баскычы"):
                assert texts[index - 1] in _KY_DIGITS, texts
                keys += 1
            elif "басыңыз" in text:
                assert re.search(r"(нөл|бир|эки|жылдызча) баскычын басыңыз$", text), texts
                keys += 1
    assert keys == 7  # Kyrgyz's own digit, two choices, more, back, SMS, another price
    assert not {"бирди", "экини", "нөлдү", "жылдызчаны"} & {
        word for said in prompts for p in said for word in p.text.split()
    }


@pytest.mark.parametrize(("move", "word"), [(5, "кымбаттады"), (-12, "арзандады")])
def test_a_kyrgyz_percentage_is_one_clip_in_the_dative(demo, move, word):
    latest = SimpleNamespace(change_week_pct=move)  # a price that moved so much on last week
    with translation.override("ky"):
        said = [p.text for p in phrases.change(latest, "ky")]
    assert said[-2:] == ["пайызга", word], said
    assert spoken.number(abs(move), "ky").split()[-1] == said[-3]
    assert {"пайызга", word} <= {n.text for n in phrases.needed("ky", menu_texts("ky"))}


def test_a_suffix_glued_to_a_placeholder_joins_its_last_word():
    said = phrases.fill("%(pct)sга өстү", "ky", pct=phrases.words("беш пайыз", "ky"))
    assert [p.text for p in said] == ["беш", "пайызга", "өстү"]
    spaced = phrases.fill("up %(pct)s on last week", "en", pct=phrases.words("5 percent", "en"))
    assert [p.text for p in spaced] == ["up", "5", "percent", "on last week"]


def test_a_sentence_added_to_the_code_is_listed_at_once(demo, monkeypatch, tmp_path):
    """The sentences are read from the code that says them, not from a list: a new one
    (as a change to the menus would add) is listed with no other change."""
    module = tmp_path / "voice_sentences_extra.py"
    module.write_text(
        "from django.utils.translation import pgettext\n\n"
        "def said():\n"
        '    return pgettext("voice", "No price for %(crop)s yet.")\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(phrases, "SPEAKING_MODULES", (*phrases.SPEAKING_MODULES, module.stem))
    phrases._messages.cache_clear()
    try:
        texts = {n.text for n in phrases.needed("en", menu_texts("en"))}
    finally:
        phrases._messages.cache_clear()
    assert {"No price for", "yet"} <= texts
