"""Understanding a message: its command (parser.py, pure), the crop and market its words
name wherever they stand (read by the price domain's ``agriprices.reading``, with the
commands' words passed over), and the language it is written in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from agriprices import reading, word_forms
from agriprices.models import Commodity, Market
from agriprices.reading import Reading
from sms_gateway.conversation import vocabulary as vocab
from sms_gateway.conversation.parser import Command, parse
from sms_gateway.segments import said_back

#: Commands whose words name a crop, a market or both.
NAMING = frozenset({"query", "sell", "subscribe", "unsubscribe", "report"})
#: Words that are neither names nor unknown: the commands' own words, which a question
#: may start with ("Info potatoes osh").
_COMMAND_WORDS = frozenset(
    [
        *vocab.BARE_KEYWORDS,
        *vocab.HELP_WORDS,
        *vocab.SELL_WORDS,
        *vocab.LIST_WORDS,
        *vocab.UNSUB_WORDS,
    ]
)
#: Punctuation that ends a phrase: "Cancel. Tomatoes Jalal-Abad?" is two sentences, not
#: a command with its names.
_SENTENCES = re.compile(r"[,.!?:;]")
_STOP_STEMS = tuple(vocab.STOP_PLEA_STEMS)
_PHRASE_SIZES = {len(phrase) for phrase in vocab.STOP_PLEA_PHRASES}
_PRICE_TYPES = dict(vocab.PRICE_TYPE_PHRASES)
_BRACKETS = re.compile(r"[(\[{]([^()\[\]{}]*)[)\]}]")


@dataclass(frozen=True)
class Request:
    """What a message asks: its command, the crop and market it names, and the language
    the text reveals (its keywords, its question words, its script, the names it used and
    how it inflected them; "" when nothing tells)."""

    command: Command
    commodity: Commodity | None = None
    market: Market | None = None
    language: str = ""
    unmatched: str = ""
    sure: bool = True
    #: A second crop (same market) or market (same crop) the question names too.
    also: Commodity | Market | None = None
    #: Every crop and every market the question names, in the order written.
    crops: tuple[Commodity, ...] = ()
    markets: tuple[Market, ...] = ()
    #: Typos of names a question was not read with, beside the names it was read with,
    #: each with the names it resembles (``agriprices.reading.Reading.unread``).
    unread: tuple[tuple[str, tuple[Commodity | Market, ...]], ...] = ()
    #: A question that also asks to stop ("STOP POTATO OSH"): the one to stop is named
    #: to a number that follows it.
    pleads: bool = False
    #: What a message that is not a well-formed price report asks as a question ("p
    #: potato osh price"): for a number that may not report.
    otherwise: Request | None = field(default=None, repr=False)

    @property
    def action(self) -> str:
        return self.command.action


def understand(text: str) -> Request:
    """Read one message. Never raises: anything unreadable is a request for help."""
    command = parse(text)
    otherwise = None
    if command.action == "report" and command.problem:
        # Not a well-formed report ("p potato osh price"): from a farmer, a question.
        question = Command("query", command.language, terms=tuple(word_forms.words(text)))
        otherwise = _question(question, text)
    if command.action not in NAMING or not command.terms:
        return Request(command, language=command.language, otherwise=otherwise)
    if command.action == "query":  # free text: the whole message
        return _question(command, text)
    # the words after the keyword, which may itself tell the language (vendre)
    reading = read(" ".join(command.terms))
    unmatched = reading.unmatched
    if command.action == "report":
        command, unmatched = _bracketed_price_type(command, unmatched, text)
    return Request(
        command,
        commodity=reading.commodity,
        market=reading.market,
        language=command.language or reading.language,
        unmatched=_said_back(unmatched, text),
        sure=reading.sure,
        also=reading.also if command.action == "report" else None,
        otherwise=otherwise,
    )


def _bracketed_price_type(command: Command, unmatched: str, text: str) -> tuple[Command, str]:
    """A report's price type in brackets among its names, as the reminders and the
    agent's page write it beside a crop (``P WHEAT (WHOLESALE) UZGEN 30 KG``): read as
    the price type when the words of such brackets are all that the names left
    unread, so a crop whose own name holds them (``Яйца (ферма)``) keeps them, and a
    market we do not know is never cut to one we do (``NARYN WHOLESALE BAZAAR``, no
    brackets). Two different types, in brackets or after the price, are refused:
    which one was meant is not for us to guess. Returns the command and the words
    left unread."""
    left = set(word_forms.words(unmatched))
    if not left:
        return command, unmatched
    named: set[str] = set()
    covered: set[str] = set()
    for group in _BRACKETS.findall(text):
        words = tuple(word_forms.words(group))
        # The names' reading passes over short words ("у производителя").
        if words in _PRICE_TYPES and left & set(words):
            named.add(_PRICE_TYPES[words])
            covered |= set(words)
    if not named or not left <= covered:
        return command, unmatched
    if len(named | {command.price_type} - {""}) > 1:
        return replace(command, problem="two price types"), ""
    return replace(command, price_type=named.pop()), ""


def _said_back(words: str, text: str) -> str:
    """``words`` of ``text`` as a reply says them back (``segments.said_back``): as the
    sender typed them, also where they were read from a command's folded words."""
    typed = dict(zip(word_forms.words(text), word_forms.typed_words(text), strict=True))
    return " ".join(said_back(typed.get(word, word)) for word in words.split())


def _question(command: Command, text: str) -> Request:
    reading = read(text)
    words = word_forms.words(text)
    command, pleads = _asked(command, reading, words, text)
    return Request(
        command,
        commodity=reading.commodity,
        market=reading.market,
        language=reading.language,
        unmatched=_said_back(reading.unmatched, text),
        sure=reading.sure,
        also=reading.also if command.action == "query" else None,
        crops=reading.crops if command.action == "query" else (),
        markets=reading.markets if command.action == "query" else (),
        unread=tuple((_said_back(words, text), guesses) for words, guesses in reading.unread)
        if command.action == "query"
        else (),
        pleads=pleads,
    )


def _asked(command: Command, reading: Reading, words: list[str], text: str) -> tuple[Command, bool]:
    """What a question without a command's syntax asks for, and whether it also asks to
    stop. Naming a crop and a market and nothing else with a word that unsubscribes
    ("cancel potato osh"): UNSUB; asking to stop the messages ("stop sending potato
    prices"): how to stop; a crop to sell and no market: SELL; when it names nothing,
    how to stop, a language, a list or help; else the price question it is."""
    said = set(words)
    one_sentence = not _SENTENCES.search(text)
    stop_words = _pleads_to_stop(words) or _stop_phrase(words)
    if reading.commodity is not None or reading.market is not None:
        if (
            said & vocab.UNSUB_WORDS.keys()
            and reading.commodity is not None
            and reading.market is not None
            and not reading.unmatched
            and one_sentence
        ):
            return replace(command, action="unsubscribe"), False
        if stop_words and _names_messages(words):
            return replace(command, action="help", about="stop"), False
        if (
            reading.commodity is not None
            and reading.market is None
            and said & vocab.SELL_WORDS.keys()
        ):
            return replace(command, action="sell"), False
        return command, _pleads_to_stop(words) and one_sentence and not reading.unmatched
    if stop_words:
        return replace(command, action="help", about="stop"), False
    named = [vocab.LANGUAGE_NAMES[w] for w in words if w in vocab.LANGUAGE_NAMES]
    if named:
        return replace(command, action="lang", set_language=named[0]), False
    kinds = [vocab.LIST_KINDS[w] for w in words if w in vocab.LIST_KINDS]
    if kinds or said & vocab.LIST_WORDS.keys():
        return replace(command, action="list", list_kind=kinds[0] if kinds else ""), False
    if said & vocab.HELP_WORDS.keys() or not reading.unmatched:
        return replace(command, action="help"), False
    return command, False


def _pleads_to_stop(words: list[str]) -> bool:
    return any(w.startswith(_STOP_STEMS) or w in vocab.STOP_PLEA_WORDS for w in words)


def _stop_phrase(words: list[str]) -> bool:
    said = {tuple(words[i : i + n]) for n in _PHRASE_SIZES for i in range(len(words) - n + 1)}
    return not vocab.STOP_PLEA_PHRASES.isdisjoint(said)


def _names_messages(words: list[str]) -> bool:
    return any(w.startswith(vocab.MESSAGE_STEMS) for w in words)


def read(text: str) -> Reading:
    """The crops and markets ``text`` names, its command words passed over and its
    question and command words telling its language."""
    return reading.read(text, passed_over=_COMMAND_WORDS, word_language=vocab.word_language)
