"""What the voice line says, as sentences built from clips.

A sentence is a translated template whose placeholders are filled by other clips:
"%(crop)s %(in_market)s: %(price)s %(unit)s" (the radio script's own sentence) becomes
the clips "Potatoes", "in Osh", "thirty", "three", "som", "fifty", "tyiyn", "a kilo".
Each template's literal text is a clip of its language, split where the placeholders
fall, so a translator may put them in any order ("Ошто картошка — ..."); names are clips
of their own; numbers are one clip a word, spelled by the radio script's rules
(``agriprices.spoken``: Russian "два сома", "пять сомов", "одна тысяча"; Kyrgyz
numerals), so any price is said with a few dozen recorded words.

``needed`` lists every clip a language needs for the catalogue as it is now: a crop or
market added later is there at once (and missing until recorded). Its sentences are not
a list kept by hand: they are read from the source of the modules that build what a
caller hears (``SPEAKING_MODULES``: every translated text in them), so a sentence added
there is listed, and can be recorded and synthesised, at once.

A suffix a translation writes onto a placeholder ("%(pct)sга" in Kyrgyz: the case
ending of the word before it) is said with that placeholder's last word, as one clip
("пайызга"), never as a clip of its own. A Kyrgyz key is named by its number before
"баскычын" ("бир баскычын басыңыз", press key one), so no case form of a number is
needed.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import npgettext, pgettext

from agriprices import spoken
from agriprices.declension import locative
from agriprices.models import Commodity, LatestPrice, Market
from agriprices.selectors import catalogue
from sms_gateway.conversation import answers
from sms_gateway.conversation.acting import Outcome


@dataclass(frozen=True)
class Piece:
    """One clip: a stretch of speech in one language."""

    language: str
    text: str
    #: The break written after it: "." (or "?") ends a sentence, "," a clause, "" none. A
    #: clip is said without its punctuation, but a voice reading the words (<Say>) needs
    #: it to pause. Not part of what the clip is (compared and keyed by text alone).
    end: str = field(default="", compare=False)


Utterance = list[Piece]
Part = Utterance | str

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
#: What a clip's text is cleaned of at its ends: a clip is said, its punctuation is not.
_EDGES = " \u00a0,.:;!?—–-…«»\"'"


def clean(text: str) -> str:
    """A clip's text as it is keyed: the spoken words without the punctuation around them
    and with single spaces."""
    return " ".join(text.split()).strip(_EDGES)


def fill(template: str, language: str, **parts: Part) -> Utterance:
    """``template`` (already translated into ``language``) as clips: its literal text
    between the placeholders, and each placeholder's clips (a string is one clip). The
    punctuation between them is kept as each clip's ``end``, and a filled template ends
    a sentence. A suffix written onto a placeholder ("%(pct)sга") is said with its last
    word."""
    return _fill(template, language, parts)


def _fill(template: str, language: str, parts: Mapping[str, Part]) -> Utterance:
    said: Utterance = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        _add_literal(said, _unglued(template, position), language)
        before = len(said)
        part = parts[match.group(1) or match.group(2)]
        if isinstance(part, str):
            _add_literal(said, part, language)
        else:
            said += part
        suffix = _GLUED.match(template, match.end())
        if suffix and len(said) > before:
            said[-1] = replace(said[-1], text=said[-1].text + suffix.group())
        position = match.end()
    _add_literal(said, _unglued(template, position), language)
    _end(said, ".")
    return said


#: Letters written right after a placeholder, with no space: a suffix of its last word.
_GLUED = re.compile(r"[^\W\d_]+")


def _unglued(template: str, position: int) -> str:
    """The literal text from ``position`` (0, or the end of a placeholder) to the next
    placeholder, less a suffix glued to the placeholder before it (said with that
    placeholder's last word)."""
    following = _PLACEHOLDER.search(template, position)
    text = template[position : following.start() if following else len(template)]
    glued = _GLUED.match(template, position) if position else None
    return text[glued.end() - position :] if glued else text


def _literal(text: str, language: str) -> Utterance:
    text = clean(text)
    return [Piece(language, text)] if any(ch.isalnum() for ch in text) else []


def _add_literal(said: Utterance, text: str, language: str) -> None:
    """``text`` as a clip after ``said``; the punctuation before its first word ends the
    clip before it, the punctuation after its last word ends its own."""
    letters = [i for i, ch in enumerate(text) if ch.isalnum()]
    if not letters:
        _end(said, _break_in(text))
        return
    _end(said, _break_in(text[: letters[0]]))
    said.append(Piece(language, clean(text), end=_break_in(text[letters[-1] + 1 :])))


#: Breaks by strength: a sentence's end outweighs a clause's.
_BREAKS = {"": 0, ",": 1, ".": 2, "?": 2}


def _break_in(punctuation: str) -> str:
    """The strongest break written in the punctuation between two clips."""
    if "?" in punctuation:
        return "?"
    if any(ch in ".!…" for ch in punctuation):
        return "."
    if any(ch in ",:;—–" for ch in punctuation):
        return ","
    return ""


def _end(said: Utterance, brk: str) -> None:
    """Mark the last clip of ``said`` with the break ``brk`` unless it has a stronger."""
    if said and _BREAKS[brk] > _BREAKS[said[-1].end]:
        said[-1] = replace(said[-1], end=brk)


def words(text: str, language: str) -> Utterance:
    """A number spelled out, one clip a word ("quatre-vingt-dix" is three)."""
    return [Piece(language, w) for w in re.split(r"[\s\-]+", text) if w]


def number(n: int, language: str) -> Utterance:
    return words(spoken.number(n, language), language)


# --- menus -------------------------------------------------------------------------------


def welcome(language: str) -> Utterance:
    with translation.override(language):
        return fill(pgettext("voice", "Welcome to AgriPrices."), language)


def language_choice(languages: Sequence[str]) -> Utterance:
    """Each language offered in itself: "For English, press one. Pour le français,
    appuyez sur deux..."."""
    said: Utterance = []
    for digit, code in enumerate(languages, 1):
        with translation.override(code):
            # Translators: said in your language to offer it: name YOUR language.
            template = pgettext("voice", "For English, press %(digit)s.")
        said += fill(template, code, digit=number(digit, code))
    return said


def menu(
    heading: str, labels: Sequence[Part], language: str, *, more: bool, back: bool
) -> Utterance:
    """A menu: its heading (or the note that the last key was no choice), then each
    choice with its key, then "more" and "back" when they apply."""
    with translation.override(language):
        said = fill(heading, language)
        for digit, label in enumerate(labels, 1):
            said += choice(label, digit, language)
        if more:
            said += fill(pgettext("voice", "For more, press zero."), language)
        if back:
            said += fill(pgettext("voice", "To go back, press star."), language)
    return said


def choice(label: Part, digit: int, language: str) -> Utterance:
    with translation.override(language):
        template = pgettext("voice", "%(choice)s: press %(digit)s.")
    return fill(template, language, choice=label, digit=number(digit, language))


def after_answer(language: str, *, sms: bool) -> Utterance:
    with translation.override(language):
        said = fill(pgettext("voice", "To get this by SMS, press one."), language) if sms else []
        return said + fill(pgettext("voice", "For another price, press two."), language)


def said(text: str, language: str) -> Utterance:
    """A whole message said as it is written (a closing note, a refusal)."""
    return fill(text, language)


def goodbye(language: str) -> Utterance:
    with translation.override(language):
        return fill(pgettext("voice", "Thank you for calling. Goodbye."), language)


def sms_sent(language: str) -> Utterance:
    with translation.override(language):
        return fill(pgettext("voice", "The SMS is on its way."), language)


def sms_refused(language: str, why: str, *, restart_key: str) -> Utterance:
    """Why the SMS follow-up was not sent: the number stopped our SMS (and the key that
    gets them again: on the phone a key, not the SMS command START), or had its day's."""
    if why == "stopped":
        return stopped(language, restart_key)
    with translation.override(language):
        return fill(pgettext("voice", "You have had as many SMS as we send in a day."), language)


def stopped(language: str, restart_key: str) -> Utterance:
    with translation.override(language):
        template = pgettext("voice", "You stopped our SMS. To get them again, press %(digit)s.")
    return fill(template, language, digit=number(int(restart_key), language))


def no_price(crop: str, language: str) -> Utterance:
    """A crop with nothing to say about it (no market has a price of it): said before the
    menu the caller chose it in, which he hears again."""
    with translation.override(language):
        return fill(pgettext("voice", "No price for %(crop)s yet."), language, crop=crop)


def too_many_questions(language: str) -> Utterance:
    with translation.override(language):
        return fill(
            pgettext("voice", "You asked many times this hour. Call again later."), language
        )


# --- answers -----------------------------------------------------------------------------


def answer(outcome: Outcome, *, today: date, restart_key: str) -> Utterance:
    """What a caller hears as the answer: a price as one sentence with its day, its move
    on last week and a cheaper market; other answers said briefly. ``restart_key``: the
    key that gets SMS again, for a number told it stopped them."""
    language, given = outcome.language, outcome.answer
    with translation.override(language):
        if isinstance(given, answers.Price):
            return _price(given, language, today)
        if isinstance(given, answers.BestPayers):
            return _best_payers(given, language)
        if isinstance(given, answers.Subscribed):
            template = pgettext("voice", "You follow %(crop)s %(in_market)s: an SMS every week.")
            return fill(template, language, **_pair(given.commodity, given.market, language))
        if isinstance(given, answers.Unsubscribed):
            template = (
                pgettext("voice", "You no longer follow %(crop)s %(in_market)s.")
                if given.found
                else pgettext("voice", "You did not follow %(crop)s %(in_market)s.")
            )
            return fill(template, language, **_pair(given.commodity, given.market, language))
        if isinstance(given, answers.SubscriptionRefused):
            if given.problem == "opted_out":
                return stopped(language, restart_key)
            return fill(_refusal(given.problem), language)
        if isinstance(given, answers.OptedOut):
            return fill(pgettext("voice", "We will send you no more SMS."), language)
        if isinstance(given, answers.OptedIn):
            return fill(pgettext("voice", "Our SMS will reach you again."), language)
        # The menus ask nothing else; should they one day, the caller is not left silent.
        return fill(pgettext("voice", "Sorry, we cannot answer that by phone."), language)


def _refusal(problem: str) -> str:
    if problem == "too_many":
        return pgettext("voice", "You follow as many crops as you can. Stop one first.")
    return pgettext("voice", "Sorry, that did not work.")


def crop_in_market(commodity: Commodity, market: Market, language: str) -> Utterance:
    """A crop at a market as a menu says it: "Apples", "in Batken"."""
    with translation.override(language):
        pair = _pair(commodity, market, language)
        return [*_literal(str(pair["crop"]), language), *_literal(str(pair["in_market"]), language)]


def _pair(commodity: Commodity, market: Market, language: str) -> dict[str, Part]:
    return {"crop": commodity.display_name(language), "in_market": locative(market, language)}


def _price(given: answers.Price, language: str, today: date) -> Utterance:
    crop = given.commodity.display_name(language)
    latest = given.latest
    if latest is None:
        template = pgettext("voice", "There is no recent price of %(crop)s %(in_market)s.")
        return fill(template, language, **_pair(given.commodity, given.market, language))
    said = fill(
        _("%(crop)s %(in_market)s: %(price)s %(unit)s"),
        language,
        crop=crop,
        in_market=locative(given.market, language),
        price=money(latest.price_per_base_unit, latest.currency, language),
        unit=spoken.per_unit(given.commodity),
    )
    said += day(latest.observed_on, today, language)
    said += change(latest, language)
    if given.cheaper is not None:
        said += fill(
            pgettext("voice", "Cheaper %(in_market)s: %(price)s."),
            language,
            in_market=locative(given.cheaper.market, language),
            price=money(given.cheaper.price_per_base_unit, given.cheaper.currency, language),
        )
    return said


def money(value: Decimal, currency: str, language: str) -> Utterance:
    return words(spoken.price(value, currency, language), language)


def day(observed: date, today: date, language: str) -> Utterance:
    """When the price was recorded, as a caller takes it in: today, yesterday, or so
    many days ago (a month's name and an ordinal would need case forms per language)."""
    days = (today - observed).days
    if days <= 0:
        return fill(pgettext("voice", "Recorded today."), language)
    if days == 1:
        return fill(pgettext("voice", "Recorded yesterday."), language)
    template = npgettext("voice", "Recorded %(days)s day ago.", "Recorded %(days)s days ago.", days)
    return fill(template, language, days=number(days, language))


def change(latest: LatestPrice, language: str) -> Utterance:
    """The move on last week in whole percent (the radio script's words), or that it
    held; nothing when there was no price a week before."""
    pct = latest.change_week_pct
    if pct is None:
        return []
    move = round(pct)
    if move == 0:
        return fill(pgettext("voice", "The same as last week."), language)
    template = _("up %(pct)s on last week") if move > 0 else _("down %(pct)s on last week")
    return fill(template, language, pct=words(spoken.percent(move, language), language))


def _best_payers(given: answers.BestPayers, language: str) -> Utterance:
    crop = given.commodity.display_name(language)
    if not given.rows:
        template = pgettext("voice", "There is no recent price of %(crop)s.")
        return fill(template, language, crop=crop)
    said = fill(pgettext("voice", "%(crop)s pays most:"), language, crop=crop)
    for row in given.rows:
        said += fill(
            pgettext("voice", "%(in_market)s: %(price)s %(unit)s."),
            language,
            in_market=locative(row.market, language),
            price=money(row.price_per_base_unit, row.currency, language),
            unit=spoken.per_unit(given.commodity),
        )
    return said


# --- every clip a language needs ---------------------------------------------------------


@dataclass(frozen=True)
class Needed:
    """A clip the line may say, and what it is (for the clips page's groups)."""

    text: str
    kind: str  # "prompt", "crop", "market", "unit", "number"


def needed(language: str, menu_texts: Iterable[str]) -> list[Needed]:
    """Every clip ``language`` needs, prompts first, then names, units and number words,
    each once. ``menu_texts`` are the menus' own labels and headings in the language."""
    found: dict[str, str] = {}

    def add(pieces: Iterable[Piece], kind: str) -> None:
        for piece in pieces:
            found.setdefault(piece.text, kind)

    with translation.override(language):
        crops = [c.display_name(language) for c in catalogue.commodities()]
        markets = catalogue.markets()
        in_markets = [locative(m, language) for m in markets]
        units = list(dict.fromkeys(spoken.per_unit(c) for c in catalogue.commodities()))
        menu_texts = list(menu_texts)
        # What each placeholder may end with, for a suffix a translation glues onto it.
        currency = spoken.CURRENCIES.get(settings.AGRIPRICES_CURRENCY, {}).get(language)
        finals: dict[str, Iterable[str]] = {
            "pct": spoken.PERCENT.get(language, spoken.PERCENT["en"]),
            "price": [*(currency[0] + currency[1] if currency else ()),
                      settings.AGRIPRICES_CURRENCY],
            "days": number_words(language),
            "digit": number_words(language),
            "crop": crops,
            "in_market": in_markets,
            "unit": units,
            "choice": menu_texts,
        }  # fmt: skip
        for text in menu_texts:
            add(fill(text, language), "prompt")
        for template in spoken_templates(language):
            add(_fill(template, language, _Nothing()), "prompt")
            for match in _PLACEHOLDER.finditer(template):
                glued = _GLUED.match(template, match.end())
                if glued:
                    name = match.group(1) or match.group(2)
                    ends = (words(w, language)[-1:] for w in finals.get(name, ()))
                    add((Piece(language, e[0].text + glued.group()) for e in ends if e), "number")
        for crop in crops:
            add(_literal(crop, language), "crop")
        for market, in_market in zip(markets, in_markets, strict=True):
            add(_literal(market.display_name(language), language), "market")
            add(_literal(in_market, language), "market")
        for unit in units:
            add(_literal(unit, language), "unit")
    add((Piece(language, w) for w in number_words(language)), "number")
    return [Needed(text, kind) for text, kind in found.items()]


class _Nothing(dict[str, Part]):
    """Every placeholder filled with nothing: a template's own words only."""

    def __missing__(self, key: str) -> Part:
        return []


#: The modules that build what a caller hears: every translated text in them is said
#: (the USSD menus' too: the voice line walks them), but for the functions named here,
#: which lay out a USSD screen ("More", "Back": the voice line says "press zero", "press
#: star" in their place).
SPEAKING_MODULES = ("voice.phrases", "voice.menus", "voice.services", "sms_gateway.ussd.menus")
SCREEN_ONLY = {"sms_gateway.ussd.menus": {"_layout"}}
#: gettext's functions, by the arguments they take: (context?, plural?).
_GETTEXT = {
    "_": (False, False),
    "gettext": (False, False),
    "gettext_lazy": (False, False),
    "ngettext": (False, True),
    "pgettext": (True, False),
    "pgettext_lazy": (True, False),
    "npgettext": (True, True),
}


@functools.cache
def _messages() -> tuple[tuple[str | None, str, str | None], ...]:
    """(context, text, plural) of every translated text written in SPEAKING_MODULES,
    read from their source: the sentences the line says are the ones its code says,
    with no list of them to keep up to date."""
    found: dict[tuple[str | None, str, str | None], None] = {}
    for module in SPEAKING_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:  # pragma: no cover - our own modules
            raise ImportError(module)
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and (
                function.name in SCREEN_ONLY.get(module, ())
            ):
                function.body = []  # its texts are shown, never said
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in _GETTEXT:
                continue
            context, plural = _GETTEXT[name]
            wanted = 1 + context + plural
            values = [
                a.value
                for a in node.args[:wanted]
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            if len(values) < wanted:  # a text worked out at run time: none of ours
                continue
            ctx = values.pop(0) if context else None
            found.setdefault((ctx, values[0], values[1] if plural else None))
    return tuple(found)


def spoken_templates(language: str) -> list[str]:
    """Every sentence the line may say, translated into ``language``: each plural form
    the language has."""
    out: dict[str, None] = {}
    with translation.override(language):
        for context, text, plural in _messages():
            if plural is None:
                out.setdefault(pgettext(context, text) if context else _(text))
                continue
            for n in range(200):  # every plural form of a count said aloud
                said = (
                    npgettext(context, text, plural, n)
                    if context
                    else translation.ngettext(text, plural, n)
                )
                out.setdefault(said)
    return list(out)


@functools.cache
def number_words(language: str) -> tuple[str, ...]:
    """Every word a price, a percentage, a day count or a key is said with: the numbers'
    words (0 to 999, the thousands and millions) and the currency's and percent's
    forms."""
    values = [*range(1000), *(k * 1000 for k in range(1, 1000)), *(k * 10**6 for k in range(1, 10))]
    said: dict[str, None] = {}
    for n in values:
        for word in words(spoken.number(n, language), language):
            said.setdefault(word.text)
    currency = spoken.CURRENCIES.get(settings.AGRIPRICES_CURRENCY, {}).get(language)
    forms = [*(currency[0] if currency else ()), *(currency[1] if currency else ())]
    forms += spoken.PERCENT.get(language, spoken.PERCENT["en"])
    if currency is None:
        forms.append(settings.AGRIPRICES_CURRENCY)
    for form in forms:
        for word in words(form, language):
            said.setdefault(word.text)
    return tuple(said)
