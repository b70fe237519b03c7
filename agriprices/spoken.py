"""Numbers as a radio presenter (and the voice line) says them, in the four languages:
"thirty-three som fifty tyiyn", "trente-trois soms cinquante", "тридцать три сома
пятьдесят тыйынов", "отуз үч сом элүү тыйын". num2words spells English, French and
Russian; it has no Kyrgyz, whose numerals are regular enough to spell here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import pgettext
from num2words import num2words

from agriprices.models import Commodity

_KY_UNITS = ("", "бир", "эки", "үч", "төрт", "беш", "алты", "жети", "сегиз", "тогуз")
_KY_TENS = ("", "он", "жыйырма", "отуз", "кырк", "элүү", "алтымыш", "жетимиш", "сексен", "токсон")

#: Words for the service's currency and its hundredth: (one, few, many) in Russian, the
#: same word thrice elsewhere (French adds an s from two).
CURRENCIES = {
    "KGS": {
        "en": (("som", "som", "som"), ("tyiyn", "tyiyn", "tyiyn")),
        "fr": (("som", "soms", "soms"), ("tyiyn", "tyiyns", "tyiyns")),
        "ru": (("сом", "сома", "сомов"), ("тыйын", "тыйына", "тыйынов")),
        "ky": (("сом", "сом", "сом"), ("тыйын", "тыйын", "тыйын")),
    }
}
PERCENT = {
    "en": ("percent", "percent", "percent"),
    "fr": ("pour cent", "pour cent", "pour cent"),
    "ru": ("процент", "процента", "процентов"),
    "ky": ("пайыз", "пайыз", "пайыз"),
}


def _kyrgyz(n: int) -> str:
    if n == 0:
        return "нөл"
    words = []
    if n >= 1_000_000:
        words += [_kyrgyz(n // 1_000_000), "миллион"]
        n %= 1_000_000
    if n >= 1000:
        words += ([_kyrgyz(n // 1000)] if n >= 2000 else []) + ["миң"]
        n %= 1000
    if n >= 100:
        words += ([_KY_UNITS[n // 100]] if n >= 200 else []) + ["жүз"]
        n %= 100
    words += [_KY_TENS[n // 10], _KY_UNITS[n % 10]]
    return " ".join(w for w in words if w)


def number(n: int, language: str) -> str:
    """A whole number in words."""
    if language == "ky":
        return _kyrgyz(n)
    return num2words(n, lang=language if language in ("en", "fr", "ru") else "en")


def _form(n: int, language: str) -> int:
    """Which of (one, few, many) a count takes."""
    if language == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return 0
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return 1
        return 2
    if language == "fr":
        return 0 if n < 2 else 2
    return 0 if n == 1 else 2


def price(value: Decimal, currency: str, language: str) -> str:
    """A price in words: whole units, then hundredths when there are any."""
    cents = int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    whole, hundredths = divmod(cents, 100)
    names = CURRENCIES.get(currency, {}).get(language)
    if names is None:
        said = f"{number(whole, language)} {currency}"
        return f"{said} {number(hundredths, language)}" if hundredths else said
    unit, sub = names
    said = f"{number(whole, language)} {unit[_form(whole, language)]}"
    if hundredths:
        said += f" {number(hundredths, language)} {sub[_form(hundredths, language)]}"
    return said


def percent(value: int, language: str) -> str:
    """A whole percentage in words, without its sign."""
    n = abs(value)
    return f"{number(n, language)} {PERCENT.get(language, PERCENT['en'])[_form(n, language)]}"


def per_unit(commodity: Commodity) -> str:
    """How a price's unit is said after it ("a kilo", "за килограмм"), in the active
    language: the commodity's base unit, which spoken prices are compared in."""
    code = commodity.base_unit.code
    if code == "kg":
        return pgettext("radio", "a kilo")
    if code == "l":
        return pgettext("radio", "a litre")
    if code == "pcs":
        return pgettext("radio", "each")
    return pgettext("radio", "per {unit}").format(unit=code)
