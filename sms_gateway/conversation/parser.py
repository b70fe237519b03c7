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
from decimal import Decimal, InvalidOperation

MAX_TERMS = 8

# keyword -> (command, language it reveals, or "" when it says nothing about language)
_KEYWORDS: dict[str, tuple[str, str]] = {
    "help": ("help", "en"),
    "?": ("help", ""),
    "info": ("help", ""),
    "aide": ("help", "fr"),
    "помощь": ("help", "ru"),
    "справка": ("help", "ru"),
    "жардам": ("help", "ky"),
    "list": ("list", "en"),
    "liste": ("list", "fr"),
    "список": ("list", "ru"),
    "тизме": ("list", "ky"),
    "lang": ("lang", "en"),
    "language": ("lang", "en"),
    "langue": ("lang", "fr"),
    "язык": ("lang", "ru"),
    "тил": ("lang", "ky"),
    # SUB and UNSUB are used whatever the language, as STOP is.
    "sub": ("subscribe", ""),
    "subscribe": ("subscribe", "en"),
    "abo": ("subscribe", "fr"),
    "abonner": ("subscribe", "fr"),
    "подписка": ("subscribe", "ru"),
    "жазылуу": ("subscribe", "ky"),
    "unsub": ("unsubscribe", ""),
    "desabo": ("unsubscribe", "fr"),
    "отписка": ("unsubscribe", "ru"),
    "токтотуу": ("unsubscribe", "ky"),
    # "Where can I sell my potatoes?": the markets paying most for a crop now.
    "sell": ("sell", "en"),
    "vendre": ("sell", "fr"),
    "vends": ("sell", "fr"),
    "продать": ("sell", "ru"),
    "продам": ("sell", "ru"),
    "продаю": ("sell", "ru"),
    "сатуу": ("sell", "ky"),
    "сатам": ("sell", "ky"),
    # Carrier opt-out and opt-in words (Twilio and US/EU carriers honour these).
    "stop": ("opt_out", ""),
    "stopall": ("opt_out", ""),
    "unsubscribe": ("opt_out", ""),
    "cancel": ("opt_out", ""),
    "end": ("opt_out", ""),
    "quit": ("opt_out", ""),
    "стоп": ("opt_out", "ru"),
    "start": ("opt_in", ""),
    "unstop": ("opt_in", ""),
    "старт": ("opt_in", "ru"),
}
# "P" for price, in Latin or Cyrillic (the letters look the same on a keypad). Words such
# as "цена" (price) are how farmers *ask* for a price, so they do not start a report.
_REPORT = {"p", "р"}
_LIST_KINDS = {
    "crops": "crops",
    "crop": "crops",
    "produits": "crops",
    "культуры": "crops",
    "товары": "crops",
    "азык": "crops",
    "markets": "markets",
    "market": "markets",
    "marches": "markets",
    "рынки": "markets",
    "базарлар": "markets",
}
_LANGUAGE_NAMES = {
    "en": "en",
    "eng": "en",
    "english": "en",
    "fr": "fr",
    "francais": "fr",
    "french": "fr",
    "ru": "ru",
    "rus": "ru",
    "русский": "ru",
    "russian": "ru",
    "орус": "ru",
    "ky": "ky",
    "kg": "ky",
    "kyr": "ky",
    "кыргыз": "ky",
    "kyrgyz": "ky",
    "кыргызча": "ky",
}
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
_ALERT_WORDS = ("alert", "alerts", "alerte", "alertes", "сигнал", "изменение", "кабарлоо")
# Any number: how many digits it may have is the rule of the column it is stored in.
_PERCENT = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_KYRGYZ_LETTERS = set("ңөү")
# A minus before a number that follows no letter or digit stays with it, so "-7" is read
# as the price it says (and refused), never as 7; "2026-11-01" keeps its digits apart.
_WORD = re.compile(r"(?<![^\W_])-\d+(?:[.,]\d+)?|[^\W_]+(?:[.,]\d+)?|\?", re.UNICODE)
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_PIN = re.compile(r"^\d{4,8}$")


@dataclass(frozen=True)
class Command:
    """What a message asks for. ``terms`` are the words left to match against names."""

    action: str  # query, sell, help, list, lang, subscribe, unsubscribe, opt_out, opt_in, report
    language: str = ""  # the language the sender wrote in, when the text shows it
    terms: tuple[str, ...] = ()
    list_kind: str = ""  # crops or markets, for "list"
    set_language: str = ""  # for "lang"
    price: Decimal | None = None  # for "report"
    unit: str = ""  # for "report"
    pin: str = field(default="", repr=False)  # for "report"; never shown in logs
    problem: str = ""  # why a command could not be read (the reply explains it)
    weekday: int | None = None  # for "subscribe": the digest day, 0 = Monday
    alert: bool = False  # for "subscribe": an SMS when the price moves, not weekly
    alert_pct: Decimal | None = None  # for "subscribe": how much it must move


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    # Keep Cyrillic letters whole (й, ё fold in NFKD; ң ө ү do not decompose).
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Folded like the message words, so "дүйшөмбү" written with or without marks matches.
_WEEKDAYS = {_fold(word): day for day, words in enumerate(_WEEKDAY_WORDS) for word in words}
_ALERTS = {_fold(word) for word in _ALERT_WORDS}


def guess_language(words: list[str]) -> str:
    """Kyrgyz when a Kyrgyz letter appears, Russian for other Cyrillic, else ""
    (Latin script does not tell English from French or a transliteration)."""
    text = "".join(words)
    if any(ch in _KYRGYZ_LETTERS for ch in text):
        return "ky"
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "ru"
    return ""


def parse(text: str) -> Command:
    """Read one SMS. Never raises: anything unreadable is a ``help`` command."""
    words = [_fold(w) for w in _WORD.findall(text[:1600])]
    if not words:
        return Command("help")
    language = guess_language(words)
    head, rest = words[0], words[1:]
    if head in _REPORT and len(rest) >= 3:
        return _report(rest, language)
    if head in _KEYWORDS:
        action, revealed = _KEYWORDS[head]
        language = revealed or language
        if action == "list":
            kind = _LIST_KINDS.get(rest[0], "") if rest else ""
            return Command("list", language, list_kind=kind)
        if action == "lang":
            chosen = _LANGUAGE_NAMES.get(rest[0], "") if rest else ""
            problem = "" if chosen else "unknown language"
            return Command("lang", language, set_language=chosen, problem=problem)
        if action == "subscribe":
            return _subscribe(rest, language)
        if action in ("unsubscribe", "sell"):
            return Command(action, language, terms=tuple(rest[:MAX_TERMS]))
        return Command(action, language)
    return Command("query", language, terms=tuple(words[:MAX_TERMS]))


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
            alert, pct = True, Decimal(last.replace(",", "."))
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
    """``P POTATO OSH 18.5 KG 1234``: names, a price, an optional unit, then the PIN."""
    pin = words[-1] if _PIN.match(words[-1]) else ""
    body = words[:-1] if pin else words
    price_at = next((i for i, w in enumerate(body) if _NUMBER.match(w)), None)
    if not pin:
        return Command("report", language, problem="missing PIN")
    if price_at is None or price_at == 0:
        return Command("report", language, pin=pin, problem="missing price")
    try:
        price = Decimal(body[price_at].replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return Command("report", language, pin=pin, problem="missing price")
    unit = " ".join(body[price_at + 1 :])
    return Command(
        "report",
        language,
        terms=tuple(body[:price_at][:MAX_TERMS]),
        price=price,
        unit=unit,
        pin=pin,
    )
