"""Text of a message -> a Command, as a pure function (no database): the first half of
understanding (see understanding.py for the second, names).

Farmers type on feature phones, often in Cyrillic, with or without accents, in any case,
with stray punctuation. Keywords are recognised in English, French, Russian and Kyrgyz;
every other word is left as a search term for the handler, which matches crop and market
names through ``agriprices.selectors`` (aliases, typo tolerance).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from agriprices.word_forms import fold
from sms_gateway.conversation.vocabulary import (
    FILLER,
    LANGUAGE_CODES,
    LANGUAGE_NAMES,
    LIST_KINDS,
    LIST_WORDS,
    PRICE_TYPE_PHRASES,
    bare_keyword,
)

MAX_TERMS = 8
#: A report names one crop and one market, each of up to 8 words ("refined deodorised
#: sunflower oil", "Jalal-Abad central wholesale bazaar"): all of them are read, never
#: the first 8 alone, which could name another market; more is refused, not cut.
MAX_REPORT_TERMS = 2 * MAX_TERMS

# Keywords followed by what they act on: (command, language it reveals, or "" when it
# says nothing about language). The bare keywords (STOP, START, HELP ...) are in
# vocabulary.BARE_KEYWORDS: they act only as the whole message.
_KEYWORDS: dict[str, tuple[str, str]] = {
    fold(word): (command, language)
    for command, language, words in (
        ("list", "en", "list"),
        ("list", "fr", "liste"),
        ("list", "ru", "список"),
        ("list", "ky", "тизме"),
        ("lang", "en", "lang language"),
        ("lang", "fr", "langue"),
        ("lang", "ru", "язык"),
        ("lang", "ky", "тил"),
        # SUB and UNSUB are used whatever the language, as STOP is.
        ("subscribe", "", "sub"),
        ("subscribe", "en", "subscribe"),
        ("subscribe", "fr", "abo abonner abonnement abonne abonnez"),
        ("subscribe", "ru", "подписка подписаться подпишите подпиши"),
        ("subscribe", "ky", "жазылуу жазылам жазылайын"),
        ("unsubscribe", "", "unsub"),
        ("unsubscribe", "fr", "desabo"),
        ("unsubscribe", "ru", "отписка"),
        ("unsubscribe", "ky", "токтотуу"),
        # "Where can I sell my potatoes?": the markets paying most for a crop now.
        ("sell", "en", "sell"),
        ("sell", "fr", "vendre vends"),
        ("sell", "ru", "продать продам продаю"),
        ("sell", "ky", "сатуу сатам"),
    )
    for word in words.split()
}
# A French pronoun elided or not before a keyword ("s'abonner", "me désabonner").
_PRONOUNS = {"s", "m", "se", "me"}
# "P" for price, in Latin or Cyrillic (Р looks the same on a keypad, П sounds the same to
# a Russian or Kyrgyz agent). Words such as "цена" (price) are how farmers *ask* for a
# price, so they do not start a report; nor does any of these from a farmer's number.
_REPORT = {"p", "р", "п"}
_WEEKDAY_WORDS = (
    ("mon", "monday", "lun", "lundi", "пн", "понедельник", "дүйшөмбү"),
    ("tue", "tues", "tuesday", "mar", "mardi", "вт", "вторник", "шейшемби"),
    ("wed", "wednesday", "mer", "mercredi", "ср", "среда", "шаршемби"),
    ("thu", "thur", "thurs", "thursday", "jeu", "jeudi", "чт", "четверг", "бейшемби"),
    ("fri", "friday", "ven", "vendredi", "пт", "пятница", "жума"),
    ("sat", "saturday", "sam", "samedi", "сб", "суббота", "ишемби"),
    ("sun", "sunday", "dim", "dimanche", "вс", "воскресенье", "жекшемби"),
)
# Words asking for an alert when the price moves rather than a weekly digest.
_ALERT_WORDS = (
    *"alert alerts alarm change changes notify".split(),
    *"alerte alertes changement variation".split(),
    *"сигнал изменение изменения тревога уведомление оповещение".split(),
    *"кабарлоо кабар эскертүү өзгөрүү".split(),
)
# Any number: how many digits it may have is the rule of the column it is stored in.
_PERCENT = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_KYRGYZ_LETTERS = set("ңөү")
# A minus before a number that follows no letter or digit stays with it, so "-7" is read
# as the price it says (and refused), never as 7; "2026-11-01" keeps its digits apart.
# A number may start with its mark (".5", ",5", "-.5") where no letter or digit comes
# before it: the mark is kept, never dropped to read 5.
_WORD = re.compile(
    r"(?<![^\W_])-?[.,]\d+|(?<![^\W_])-\d+(?:[.,]\d+)?|[^\W_]+(?:[.,]\d+)?|\?", re.UNICODE
)
_NUMBER = re.compile(r"^-?(?:\d+(?:[.,]\d+)?|[.,]\d+)$")
# A mark before exactly three digits groups thousands in English ("1,000", and "1.000" in
# much of Europe) and marks decimals in Russian, Kyrgyz and French ("1,000" = 1). Read
# either way, the price may be a thousand times off, so it is asked for again rather than
# guessed. "0,125" and "1250,500" group nothing. ("1 000" is two words: the second is read
# as the unit's quantity, as in "18 500 G", and said back.)
_GROUPED = re.compile(r"^-?0*[1-9][0-9]{0,2}[.,][0-9]{3}$")  # after _ascii_digits
_PIN = re.compile(r"^\d{4,8}$")
#: Words an agent may write before the PIN, as the reminders' "PIN" reads to him.
_PIN_WORDS = frozenset({"pin", "пин", "код", "kod", "code", "pincode", "пинкод"})
_PAGE = re.compile(r"^\d{1,3}$")


@dataclass(frozen=True)
class Command:
    """What a message asks for. ``terms`` are the words left to match against names."""

    action: str  # query, sell, help, list, lang, subscribe, unsubscribe, opt_out, opt_in, report
    language: str = ""  # the language the sender wrote in, when the text shows it
    terms: tuple[str, ...] = ()
    list_kind: str = ""  # crops or markets, for "list"
    #: of the list, for "list"; of a market's prices, for "query" (of a question naming
    #: several crops or markets, the place of the one to answer first)
    page: int = 1
    set_language: str = ""  # for "lang"
    price: Decimal | None = None  # for "report"
    unit: str = ""  # for "report"
    price_type: str = ""  # for "report": wholesale, farmgate, retail; "" says none (retail)
    pin: str = field(default="", repr=False)  # for "report"; never shown in logs
    problem: str = ""  # why a command could not be read (the reply explains it)
    weekday: int | None = None  # for "subscribe": the digest day, 0 = Monday
    alert: bool = False  # for "subscribe": an SMS when the price moves, not weekly
    alert_pct: Decimal | None = None  # for "subscribe": how much it must move
    #: for "help": "stop" when the message asked how to stop, "sell" for SELL alone,
    #: "more" for "more" alone (after a list's pointer to its next page)
    about: str = ""


# Folded like the message words, so "дүйшөмбү" written with or without marks matches.
_WEEKDAYS = {fold(word): day for day, words in enumerate(_WEEKDAY_WORDS) for word in words}
_ALERTS = {fold(word) for word in _ALERT_WORDS}


def guess_language(text: str) -> str:
    """Kyrgyz when a Kyrgyz letter appears, Russian for other Cyrillic, else ""
    (Latin script does not tell English from French or a transliteration)."""
    text = text.casefold()
    if any(ch in _KYRGYZ_LETTERS for ch in text):
        return "ky"
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "ru"
    return ""


def parse(text: str) -> Command:
    """Read one SMS. Never raises: anything unreadable is a ``help`` command.

    A bare keyword (STOP, START, HELP and their equivalents) is a command only when it
    is the whole message, less case, spaces and punctuation: ``End of harvest: potato
    price osh?`` is a question. Keywords that take words after them (SUB, UNSUB, LANG,
    SELL, LIST, a price report) keep their syntax; a LIST followed by words it cannot
    read is a question too."""
    text = text[:1600]
    typed = [w.casefold() for w in _WORD.findall(text) if w != "?"]
    language = guess_language(text)
    if not typed:  # nothing, punctuation, or question marks: how to ask
        return Command("help", language)
    keyword = bare_keyword("".join(typed))
    if keyword is not None:
        action, revealed = keyword
        if action == "more":
            return Command("help", revealed or language, about="more")
        return Command(action, revealed or language)
    words = [fold(w) for w in typed]
    if len(words) > 1 and words[0] in _PRONOUNS and words[1] in _KEYWORDS:
        words = words[1:]
    head, rest = words[0], words[1:]
    if head in _REPORT and len(rest) >= 3:
        return _report(rest, language)
    if head in _KEYWORDS:
        action, revealed = _KEYWORDS[head]
        language = revealed or language
        if action == "list":
            listed = _list(rest, language)
            if listed is not None:
                return listed
        elif action == "lang":
            chosen = next((_language_named(w) for w in rest if _language_named(w)), "")
            problem = "" if chosen else "unknown language"
            return Command("lang", language, set_language=chosen, problem=problem)
        elif action == "subscribe":
            return _subscribe(rest, language)
        elif action == "sell" and not rest:
            return Command("help", language, about="sell")
        else:  # unsubscribe, sell
            return Command(action, language, terms=tuple(rest[:MAX_TERMS]))
    # A number after the names asks for that page of a market's prices ("OSH 2"), or
    # where to start in a question naming several ("potatoes osh naryn talas 3").
    page = int(words[-1]) if len(words) > 1 and _PAGE.match(words[-1]) else 1
    return Command("query", language, terms=tuple(words[:MAX_TERMS]), page=max(page, 1))


def _language_named(word: str) -> str:
    return LANGUAGE_NAMES.get(word) or LANGUAGE_CODES.get(word, "")


def _list(words: list[str], language: str) -> Command | None:
    """``LIST``, ``LIST MARKETS``, ``LIST 2``, ``list of markets``; None when other words
    follow (``list potato prices osh`` is a question)."""
    kind, page = "", 1
    for word in words:
        if word in LIST_KINDS and not kind:
            kind = LIST_KINDS[word]
        elif _PAGE.match(word) and page == 1:
            page = max(1, int(word))
        elif word not in FILLER and word not in LIST_WORDS:
            return None
    return Command("list", language, list_kind=kind, page=page)


def _subscribe(words: list[str], language: str) -> Command:
    """``SUB POTATO OSH [FRI] [ALERT|10%]``: names, then optionally the digest day, or
    an alert with the percent the price must move."""
    terms, weekday, alert, pct = list(words[: MAX_TERMS + 2]), None, False, None
    while len(terms) > 1:
        last = terms[-1]
        if last in _WEEKDAYS and weekday is None:
            weekday = _WEEKDAYS[last]
        elif last in _ALERTS:
            alert = True
        elif _PERCENT.match(last) and pct is None:
            alert, pct = True, _number(last)
        else:
            break
        terms.pop()
    return Command(
        "subscribe",
        language,
        terms=tuple(terms[:MAX_TERMS]),
        weekday=weekday,
        alert=alert,
        alert_pct=pct,
    )


def _report(words: list[str], language: str) -> Command:
    """``P POTATO OSH 18.5 KG 1234``: names, a price, an optional unit and an optional
    price type in either order (``P APPLES OSH 38 KG WHOLESALE 4321``), then the PIN."""
    pin, body = _pin(words)
    price_at = next((i for i, w in enumerate(body) if _NUMBER.match(w)), None)
    if not pin:
        return Command("report", language, problem="missing PIN")
    if price_at is None or price_at == 0:
        return Command("report", language, pin=pin, problem="missing price")
    if price_at > MAX_REPORT_TERMS:
        return Command("report", language, pin=pin, problem="names")
    written = _ascii_digits(body[price_at])
    if _GROUPED.match(written):
        return Command("report", language, pin=pin, problem="unclear price")
    price = _number(written)
    price_type, rest = _price_type(body[price_at + 1 :])
    again, rest_again = _price_type(rest)
    if again not in ("", price_type):  # "38 KG WHOLESALE FARMGATE"
        return Command("report", language, pin=pin, problem="two price types")
    if again:  # the same type twice, "38 KG RETAIL RETAIL"
        rest = rest_again
    return Command(
        "report",
        language,
        terms=tuple(body[:price_at]),
        price=price,
        unit=" ".join(rest),
        price_type=price_type,
        pin=pin,
    )


def _pin(words: list[str]) -> tuple[str, list[str]]:
    """The PIN that ends a report, in 0 to 9 whatever digits the phone wrote (٢٤٦٨), and
    the words before it ("", all of them, when there is none). A word naming the PIN
    before it is no part of the report: "KG PIN 2468", "KG PIN2468", "КГ КОД 2468"."""
    *body, last = words
    named = next((w for w in _PIN_WORDS if last.startswith(w) and last != w), "")
    if named and _PIN.match(last[len(named) :]):
        return _ascii_digits(last[len(named) :]), body
    if not _PIN.match(last):
        return "", words
    for _ in range(2):  # "ПИН-КОД 2468", "code PIN 2468"
        if body and body[-1] in _PIN_WORDS:
            body.pop()
    return _ascii_digits(last), body


def _ascii_digits(word: str) -> str:
    """``word`` with any script's digits (٣, ３) written 0 to 9, so one rule reads them all."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in word)


def pin_spans(text: str) -> list[tuple[int, int]]:
    """Where a message may hold a PIN: every run of 4 to 8 digits but a report's price
    (its first number). An agent may put the PIN anywhere ("... KG 2468 thanks",
    "2468 P POTATO ...", "PIN2468"), or send a report the parser does not read as one
    ("П КАРТОШКА ...", "P POTATO 2468"), and what is not read as the PIN is a PIN all
    the same. A farmer's question rarely holds such a number (a year, a large price)."""
    text = text[:1600]
    command = parse(text)
    price = None
    if command.action == "report" and command.price is not None:
        numbers = (m for m in _WORD.finditer(text) if _NUMBER.match(m.group()))
        first = next(numbers, None)
        # The PIN written before the price too ("... PIN 2468 75 KG 2468") is no price.
        if first is not None and _ascii_digits(first.group()) != command.pin:
            price = first.span()
    return [
        m.span()
        for m in re.finditer(r"\d+", text)
        if 4 <= len(m.group()) <= 8 and not (price and price[0] <= m.start() < price[1])
    ]


def spaced_thousands(command: Command) -> bool:
    """Whether a report whose unit is unknown reads as a thousand written with a space
    ("1 000 KG": the price 1, the unit "000 kg"), the way ru, ky and fr write it: then
    the price is what is unclear, not the unit. "18 500G" names a unit of 500 g."""
    price, unit = command.price, command.unit.split()
    return (
        price is not None
        and price == price.to_integral_value()
        and 1 <= price <= 999
        and bool(unit)
        and re.fullmatch(r"[0-9]{3}", _ascii_digits(unit[0])) is not None
    )


def _number(word: str) -> Decimal:
    """A number as a phone writes it: a point or a comma marks the decimals."""
    return Decimal(word.replace(",", "."))


def _price_type(words: list[str]) -> tuple[str, list[str]]:
    """The price type named among the words after a report's price, and the words left
    (the unit); ("", words) when none is named."""
    for phrase, price_type in PRICE_TYPE_PHRASES:
        size = len(phrase)
        for at in range(len(words) - size + 1):
            if tuple(words[at : at + size]) == phrase:
                return price_type, words[:at] + words[at + size :]
    return "", words
