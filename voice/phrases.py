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
market added later is there at once (and missing until recorded).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

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
    a sentence."""
    said: Utterance = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        _add_literal(said, template[position : match.start()], language)
        part = parts[match.group(1) or match.group(2)]
        if isinstance(part, str):
            _add_literal(said, part, language)
        else:
            said += part
        position = match.end()
    _add_literal(said, template[position:], language)
    _end(said, ".")
    return said


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
    heading: str, labels: Sequence[str], language: str, *, more: bool, back: bool
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


def choice(label: str, digit: int, language: str) -> Utterance:
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
        add(_prompt_pieces(language, menu_texts), "prompt")
        for crop in catalogue.commodities():
            add(_literal(crop.display_name(language), language), "crop")
        for market in catalogue.markets():
            add(_literal(market.display_name(language), language), "market")
            add(_literal(locative(market, language), language), "market")
        for crop in catalogue.commodities():
            add(_literal(spoken.per_unit(crop), language), "unit")
    add((Piece(language, w) for w in number_words(language)), "number")
    return [Needed(text, kind) for text, kind in found.items()]


def _prompt_pieces(language: str, menu_texts: Iterable[str]) -> Iterable[Piece]:
    nothing: dict[str, Part] = {
        "choice": [],
        "digit": [],
        "crop": [],
        "in_market": [],
        "price": [],
        "unit": [],
        "pct": [],
        "days": [],
    }
    for text in menu_texts:
        yield from fill(text, language)
    templates = [
        pgettext("voice", "For English, press %(digit)s."),
        pgettext("voice", "Welcome to AgriPrices."),
        pgettext("voice", "%(choice)s: press %(digit)s."),
        pgettext("voice", "For more, press zero."),
        pgettext("voice", "To go back, press star."),
        pgettext("voice", "To get this by SMS, press one."),
        pgettext("voice", "For another price, press two."),
        pgettext("voice", "Thank you for calling. Goodbye."),
        pgettext("voice", "The SMS is on its way."),
        pgettext("voice", "You stopped our SMS. To get them again, press %(digit)s."),
        pgettext("voice", "No price for %(crop)s yet."),
        pgettext("voice", "You have had as many SMS as we send in a day."),
        pgettext("voice", "You asked many times this hour. Call again later."),
        pgettext("voice", "You follow %(crop)s %(in_market)s: an SMS every week."),
        pgettext("voice", "You no longer follow %(crop)s %(in_market)s."),
        pgettext("voice", "You did not follow %(crop)s %(in_market)s."),
        pgettext("voice", "You follow as many crops as you can. Stop one first."),
        pgettext("voice", "Sorry, that did not work."),
        pgettext("voice", "We will send you no more SMS."),
        pgettext("voice", "Our SMS will reach you again."),
        pgettext("voice", "Sorry, we cannot answer that by phone."),
        pgettext("voice", "There is no recent price of %(crop)s %(in_market)s."),
        _("%(crop)s %(in_market)s: %(price)s %(unit)s"),
        pgettext("voice", "Recorded today."),
        pgettext("voice", "Recorded yesterday."),
        pgettext("voice", "The same as last week."),
        _("up %(pct)s on last week"),
        _("down %(pct)s on last week"),
        pgettext("voice", "Cheaper %(in_market)s: %(price)s."),
        pgettext("voice", "There is no recent price of %(crop)s."),
        pgettext("voice", "%(crop)s pays most:"),
        pgettext("voice", "%(in_market)s: %(price)s %(unit)s."),
    ]
    # Every plural form of "N days ago" the language has.
    templates += {
        npgettext("voice", "Recorded %(days)s day ago.", "Recorded %(days)s days ago.", n)
        for n in range(2, 112)
    }
    for template in templates:
        yield from fill(template, language, **nothing)


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
