"""Words as farmers write them, reduced to forms that compare: the same rules for the
catalogue's names and for a message's words, so a name an operator adds later is found
in every inflection at once.

- Folding: case, accents and ligatures (``œufs`` is ``oeufs``), and the Kyrgyz letters
  ң ө ү as н о у, since many phones cannot type them.
- Russian: Snowball's Russian stemmer (``Бишкеке``, ``картофеля``, ``лука``).
- French and English: Snowball's stemmers (``carottes``, ``carrots``).
- Russian adjectives made from a place name (``ошский``, ``на бишкекском рынке``,
  ``oshskiy``): the name they are made from.
- Kyrgyz: Snowball has no Kyrgyz, and the one Kyrgyz package on PyPI (``kyrgyz`` 0.1.1)
  generates case forms of a noun rather than reading them, with no possessive forms and
  no Latin script; so the suffixes are stripped here by rule, in Cyrillic and in Latin
  transliteration: case endings in every vowel-harmony variant (``Ошто``, ``Нарында``,
  ``-дагы/-теги``, ``-дын/-нин``), the third-person possessive (``эти``, ``баасы``) and the
  plural, one after another (``этинин`` is эт + и + нин).

A word's *forms* are the word and everything the rules reduce it to; two words are the
same when their forms meet.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import snowballstemmer

from agriprices.names import fold_marks

_KYRGYZ_FOLD = str.maketrans({"ң": "н", "ө": "о", "ү": "у"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_APOSTROPHES = re.compile(r"['’ʼ`´]")
# French elision: the article or preposition before an apostrophe is a word (l'huile).
_ELISION = re.compile(r"\b(qu|[cdjlmnst])['’ʼ`´](?=\w)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

#: The shortest stem a suffix may leave (Ош, Osh).
_MIN_STEM = 2

# Kyrgyz noun suffixes, outermost last, in the harmony variants a word may take. Each is
# listed folded (ө ү as о у), Cyrillic and Latin.
_KY_CASES = (
    # locative, after a possessive (базарында), and the "located at" form (-дагы)
    "нда нде ндо ндагы ндеги ндогу "
    "дагы деги догу тагы теги тогу "
    # ablative, genitive, locative, dative, accusative
    "дан ден дон тан тен тон нан нен нон "
    "нын нин нун дын дин дун тын тин тун "
    "да де до та те то "
    "га ге го ка ке ко на не но "
    "ны ни ну ды ди ду ты ти ту"
).split()
_KY_LATIN_CASES = (
    "nda nde ndo ndagy ndegi ndogu dagy degi dogu tagy tegi togu "
    "dan den don tan ten ton nan nen non "
    "nyn nin nun dyn din dun tyn tin tun "
    "da de do ta te to ga ge go ka ke ko "
    "ny ni nu dy di du ty ti tu"
).split()
#: The question particle, outermost of all: Таласбы? (Talas?), Оштобу?
_KY_QUESTION = "бы би бу пы пи пу".split()
_KY_LATIN_QUESTION = "by bi bu py pi pu".split()
_KY_POSSESSIVE = "сы си су ы и у".split()
_KY_LATIN_POSSESSIVE = "sy si su y i u".split()
_KY_PLURAL = "лар лер лор дар дер дор тар тер тор".split()
_KY_LATIN_PLURAL = "lar ler lor dar der dor tar ter tor".split()

# A Russian adjective made from a place name: the name, an optional soft sign, "ск" and
# an adjective ending (folded: й as и), in Cyrillic or Latin letters.
_RU_ADJECTIVE = re.compile(
    r"^(.{2,}?)ь?ск(?:ии|ыи|ои|ая|ое|ие|ые|ого|ому|ом|ую|их|ым|им|ими|ыми)$"
    r"|^([a-z]{2,}?)sk(?:iy|ii|ij|iy|ogo|omu|om|oy|oi|aya|oe|ie|ikh|ih|im|imi|uyu)$"
)

_STEMMERS = {
    language: snowballstemmer.stemmer(name)
    for language, name in (("ru", "russian"), ("fr", "french"), ("en", "english"))
}


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case, no accents, no ligatures; Kyrgyz ң ө ү as н о у (й and ё fold too)."""
    word = unicodedata.normalize("NFKC", word).casefold().translate(_LIGATURES)
    return fold_marks(word.translate(_KYRGYZ_FOLD))


def words(text: str) -> list[str]:
    """The words of ``text``, folded: French elisions split (``l'huile``), other
    apostrophes dropped (``what's``), punctuation, emoji and numbers (``мука 2 сорт``)
    left out."""
    return [fold(word) for word in typed_words(text)]


def typed_words(text: str) -> list[str]:
    """The words of ``text`` as typed, in lower case with their accents: one for each of
    ``words(text)``, in the same order."""
    text = _ELISION.sub(r"\1 ", unicodedata.normalize("NFKC", text))
    text = _APOSTROPHES.sub("", text)
    return [word.casefold() for word in _WORD.findall(text)]


def accented(word: str) -> bool:
    """Whether ``word`` carries a mark that folding drops (``maïs``, ``blé``, ``ещё``)."""
    return any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", word))


def is_cyrillic(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


@functools.lru_cache(maxsize=65536)
def forms(word: str) -> frozenset[str]:
    """``word`` (folded) and what the four languages' rules reduce it to."""
    found = {word}
    adjective = _RU_ADJECTIVE.match(word)
    if adjective:
        found.add(adjective.group(1) or adjective.group(2))
    if is_cyrillic(word):
        found.add(_STEMMERS["ru"].stemWord(word))
        found |= kyrgyz_stems(word)
    else:
        found.add(_STEMMERS["en"].stemWord(word))
        found.add(_STEMMERS["fr"].stemWord(word))
        found |= kyrgyz_stems(word)
    return frozenset(form for form in found if len(form) >= _MIN_STEM)


@functools.lru_cache(maxsize=65536)
def russian_stem(word: str) -> str:
    """``word`` (folded, Cyrillic) without its Russian ending (нарине: нарин); any other
    word as it is."""
    return _STEMMERS["ru"].stemWord(word) if is_cyrillic(word) else word


def without_question(word: str) -> str:
    """``word`` (folded) without a Kyrgyz question particle (базарыбы: базары)."""
    particles = _KY_QUESTION if is_cyrillic(word) else _KY_LATIN_QUESTION
    ending = next((p for p in particles if word.endswith(p)), "")
    return word[: -len(ending)] if ending and len(word) - len(ending) >= _MIN_STEM else word


@functools.lru_cache(maxsize=65536)
def kyrgyz_stems(word: str) -> frozenset[str]:
    """``word`` and every stem left by taking off, outermost first, the question
    particle, a Kyrgyz case ending, then a possessive, then a plural (each optional):
    нарында, нарын; этинин, эти, эт; оштобу, ошто, ош."""
    if is_cyrillic(word):
        layers = (_KY_QUESTION, _KY_CASES, _KY_POSSESSIVE, _KY_PLURAL)
    else:
        layers = (_KY_LATIN_QUESTION, _KY_LATIN_CASES, _KY_LATIN_POSSESSIVE, _KY_LATIN_PLURAL)
    stems = {word}
    for layer in layers:
        for stem in list(stems):
            for suffix in layer:
                if stem.endswith(suffix) and len(stem) - len(suffix) >= _MIN_STEM:
                    stems.add(stem[: -len(suffix)])
    return frozenset(stems)


# Russian and Kyrgyz letters as farmers write them in Latin letters; then the spellings
# that vary (zh or j, kh or h, ts or c, iy or y, ng or n) made one, so "kartoshka",
# "jugoru" and "badyran" meet "картошка", "жүгөрү" and "бадыраң".
_LATIN = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфхцыэ", "abvgdeziyklmnoprstufhcye", strict=True)),
        **{"ж": "j", "ч": "ch", "ш": "sh", "щ": "sh", "ю": "yu", "я": "ya", "ё": "yo"},
        **{"ъ": "", "ь": "", "ң": "n", "ө": "o", "ү": "u", "і": "i"},
    }
)
_LATIN_SPELLINGS = (("zh", "j"), ("kh", "h"), ("ts", "c"), ("iy", "y"), ("ng", "n"), ("w", "v"))


def latin_key(word: str) -> str:
    """``word`` (either script, folded or not) as a Latin spelling with the variants
    farmers use made one: two words with the same key are one word transliterated."""
    key = word.casefold().translate(_LATIN)
    key = "".join(ch for ch in unicodedata.normalize("NFD", key) if not unicodedata.combining(ch))
    for variant, one in _LATIN_SPELLINGS:
        key = key.replace(variant, one)
    return re.sub(r"(.)\1+", r"\1", key)


def same_word(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two words' forms meet."""
    return not a.isdisjoint(b)
