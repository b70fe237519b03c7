"""How "in <place>" is said in each language, for text read aloud (the radio script):
"in Osh", "à Och", "в Оше", "Ошто". Markets and regions are data, so the forms come by
rule for any name an operator adds; where a rule cannot know (Russian "на Дордое" for a
bazaar, a French region's "dans la région d'Och"), the place's ``locatives`` hold the
form, edited in the admin, which also shows what the rule gives.

The rules (``word_forms`` reads these endings back off what farmers write):

- Russian: the prepositional case after "в" ("во" before в/ф and a consonant; "на" for
  a name ending in рынок or базар). The last word is a noun (a consonant takes -е, -а/-я
  become -е, -ия -ии but a short -ия -ие as in Кызыл-Кие, -ль of Куль -е, other -ь -и,
  a common noun's fleeting o drops: рынке; names ending in о, е, и, у, ы, э, ю do not
  decline: "в Кара-Суу"), or an adjective used as a name ("в Беловодском"); words before it are
  adjectives ("Ошская область" → "Ошской области") or a noun in apposition ("город
  Бишкек" → "городе Бишкеке"). In a hyphenated name only the last part declines
  ("Джалал-Абаде").
- Kyrgyz: the locative suffix on the last word: -да after a vowel or voiced consonant,
  -та after a voiceless one, its vowel by harmony with the word's last vowel (а ы у → а,
  о → о, е э и → е, ө ү → ө): "Ошто", "Бишкекте", "Нарында", "Өзгөндө". The last word of
  a compound name carries the possessive (-ы, -и, -у, -ү after a consonant), which
  takes the pronominal н: "Ош облусу" → "Ош облусунда" ("Ак Суу" → "Ак Сууда"). A name
  ending in digits is said as "«Орто-Сай 2» деген жерде".
- English and French put a preposition before the name: "in Osh", "à Och"; a market
  is "at" in English, and a name that starts with a common noun takes its article in
  French ("au marché central", "dans la vallée du Chatkal").
"""

from __future__ import annotations

from typing import Protocol

from agriprices.names import name_in


class Place(Protocol):
    locatives: object

    def display_name(self, language: str) -> str: ...


def locative(place: Place, language: str) -> str:
    """ "in <place>" in ``language``: the form stored for it, else the rule's."""
    return name_in(place.locatives, language) or locative_by_rule(
        place.display_name(language), language
    )


def locative_by_rule(name: str, language: str) -> str:
    if not name.split():
        return name
    if language == "ru":
        return _russian(name)
    if language == "ky":
        return _kyrgyz(name)
    if language == "fr":
        return _french(name)
    return _english(name)


# --- English and French -------------------------------------------------------------------

#: A market is "at": "at Dordoi Bazaar", "at Central Market".
_EN_AT = {"market", "bazaar", "bazar"}
#: A name that starts with a common noun takes its article: "au marché central", "dans
#: la vallée du Chatkal"; a town takes "à".
_FR_ARTICLES = {
    "marché": "au",
    "bazar": "au",
    "vallée": "dans la",
    "ville": "dans la",
    "région": "dans la",
    "district": "dans le",
}


def _english(name: str) -> str:
    last = name.split()[-1].lower() if name.split() else ""
    return f"{'at' if last in _EN_AT else 'in'} {name}"


def _french(name: str) -> str:
    first, _space, rest = name.partition(" ")
    article = _FR_ARTICLES.get(first.lower())
    if article is None:
        return f"à {name}"
    return f"{article} {first.lower()} {rest}".rstrip()


# --- Russian ------------------------------------------------------------------------------

_RU_CONSONANTS = set("бвгджзклмнпрстфхцчшщ")
_RU_INDECLINABLE_ENDS = set("оеиуыэю")
_RU_VELAR_OR_HUSHING = set("кгхжшчщ")
#: Adjective endings in the nominative, and what they become in the prepositional.
_RU_ADJECTIVES = (
    ("ая", "ой"),
    ("яя", "ей"),
    ("ое", "ом"),
    ("ее", "ем"),
    ("ые", "ых"),
    ("ие", "их"),
    ("ый", "ом"),
    ("ой", "ом"),
)


#: Common nouns a market's name may end with, said with "на": "на Ошском базаре".
_RU_ON = {"рынок", "базар"}
#: Adjectives used as a place's name ("Беловодское"): declined as adjectives.
_RU_ADJECTIVE_NAMES = ("ое", "ее", "ский", "цкий")


def _russian(name: str) -> str:
    words = name.split()
    last = words[-1]
    if last.lower().endswith(_RU_ADJECTIVE_NAMES) and last[:1].isupper():
        noun = _ru_modifier(last)
    else:
        noun = _ru_hyphenated_noun(last)
    said = [_ru_modifier(word) for word in words[:-1]] + [noun]
    first = said[0].lower()
    if last in _RU_ON:
        preposition = "на"
    elif first[:1] in "вф" and first[1:2] in _RU_CONSONANTS:
        preposition = "во"
    else:
        preposition = "в"
    return f"{preposition} {' '.join(said)}"


def _ru_modifier(word: str) -> str:
    """A word before the noun: an adjective agreeing with it, or a noun in apposition."""
    lower = word.lower()
    for ending, prepositional in _RU_ADJECTIVES:
        if lower.endswith(ending):
            return word[: -len(ending)] + prepositional
    if lower.endswith("ий"):
        stem = lower[:-2]
        return word[:-2] + ("ом" if stem[-1:] in _RU_VELAR_OR_HUSHING else "ем")
    return _ru_hyphenated_noun(word)


def _ru_hyphenated_noun(word: str) -> str:
    head, hyphen, last = word.rpartition("-")
    return head + hyphen + _ru_noun(last)


def _ru_noun(word: str) -> str:
    lower = word.lower()
    if not lower or lower[-1] in _RU_INDECLINABLE_ENDS:
        return word
    if lower.endswith("ия") and len(lower) > 3:  # Бавария → Баварии; Кия → Кие
        return word[:-1] + "и"
    if lower[-1] in "ая":
        return word[:-1] + "е"
    if lower.endswith(("уль", "оль", "ёль")):  # Куль (lake) is masculine: Иссык-Куле
        return word[:-1] + "е"
    if lower[-1] == "ь":
        return word[:-1] + "и"
    if word.islower() and lower.endswith("ок") and lower[-3:-2] in _RU_CONSONANTS:
        return word[:-2] + "ке"  # a common noun's fleeting o: рынок → рынке
    if lower[-1] == "й":
        return word[:-1] + "е"
    if lower[-1] in _RU_CONSONANTS:
        return word + "е"
    return word  # not Cyrillic: said as written


# --- Kyrgyz -------------------------------------------------------------------------------

#: The low vowel a suffix takes after each vowel (Cyrillic, and Latin transliteration).
_KY_HARMONY = {
    **dict.fromkeys("аыуяю", "а"),
    **dict.fromkeys("оё", "о"),
    **dict.fromkeys("еэи", "е"),
    **dict.fromkeys("өү", "ө"),
}
_KY_LATIN_HARMONY = {
    **dict.fromkeys("ayu", "a"),
    "o": "o",
    **dict.fromkeys("ei", "e"),
    **dict.fromkeys("öü", "ö"),
}
_KY_VOICELESS = set("кпстфхцчшщ")
_KY_LATIN_VOICELESS = set("kpstfhcq")
_KY_POSSESSIVE_ENDS = set("ыиуү")


def _kyrgyz(name: str) -> str:
    words = name.split()
    last = words[-1]
    lower = last.lower()
    if not any(ch.isalpha() for ch in lower):
        # "Орто-Сай 2": a number takes no suffix written onto its digits.
        return f"«{name}» деген жерде"
    latin = not any("\u0400" <= ch <= "\u04ff" for ch in lower)
    harmony = _KY_LATIN_HARMONY if latin else _KY_HARMONY
    vowel = next((harmony[ch] for ch in reversed(lower) if ch in harmony), "a" if latin else "а")
    possessive = set("yiuü") if latin else _KY_POSSESSIVE_ENDS
    # The possessive of a compound name is one vowel after a consonant ("облусу"); "Ак
    # Суу" ends in a long vowel, which is the word itself.
    if len(words) > 1 and lower[-1:] in possessive and lower[-2:-1] not in harmony:
        suffix = ("nd" if latin else "нд") + vowel
    elif lower[-1:] in (_KY_LATIN_VOICELESS if latin else _KY_VOICELESS):
        suffix = ("t" if latin else "т") + vowel
    else:
        suffix = ("d" if latin else "д") + vowel
    return " ".join([*words[:-1], last + suffix])
