"""Understanding a message: its command (parser.py, pure), the crop and market its words
name wherever they stand, and the language it is written in. Names are matched against
the catalogue's names and aliases in every language (``agriprices.name_index``: in
memory, keyed by a version every name change bumps, so never stale), in any inflection
(``agriprices.word_forms``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from agriprices import name_index, word_forms
from agriprices.models import Commodity, Market
from sms_gateway.conversation import vocabulary as vocab
from sms_gateway.conversation.parser import Command, parse
from sms_gateway.conversation.vocabulary import FILLER

#: A word matching no name exactly or inflected is taken for a typo of one when it is
#: this similar (0-100) and at least this long.
TYPO_SCORE = 80
TYPO_MIN_LETTERS = 4
KYRGYZ_LETTERS = frozenset("ңөү")
#: Commands whose words name a crop, a market or both.
NAMING = frozenset({"query", "sell", "subscribe", "unsubscribe", "report"})
#: A name written only in everyday words ("may", "un") counts this much of its match.
COMMON_WORD_WEIGHT = 0.5
#: Endings of Russian nouns written in Latin letters ("v oshe", "v bishkeke", "kartoshki"):
#: a name carrying one was written in Russian.
RUSSIAN_LATIN_ENDINGS = ("e", "a", "u", "om", "ov", "ya", "yu", "i", "y", "oy", "ey", "akh", "ah")
#: Words that are neither names nor unknown: the commands' own words, which a question
#: may start with ("Info potatoes osh").
_COMMAND_WORDS = (
    frozenset(vocab.BARE_KEYWORDS) | vocab.HELP_WORDS | vocab.SELL_WORDS | vocab.LIST_WORDS
)


@dataclass(frozen=True)
class Reading:
    """The crop and market found in a message's words, and what the words say of the
    language they are written in."""

    commodity: Commodity | None
    market: Market | None
    language: str  # "" when nothing tells
    unmatched: str  # words that are neither filler nor part of a name found
    sure: bool  # False when a name was guessed from a typo, or two readings tie
    #: A second crop or market the message names ("potatoes and onions in osh").
    also: Commodity | Market | None = None


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

    @property
    def action(self) -> str:
        return self.command.action


def understand(text: str) -> Request:
    """Read one message. Never raises: anything unreadable is a request for help."""
    command = parse(text)
    if command.action not in NAMING or not command.terms:
        return Request(command, language=command.language)
    if command.action == "query":  # free text: the whole message
        reading = read(text)
        language = reading.language
        command = _asked(command, reading, word_forms.words(text))
    else:  # the words after the keyword, which may itself tell the language (vendre)
        reading = read(" ".join(command.terms))
        language = command.language or reading.language
    return Request(
        command,
        commodity=reading.commodity,
        market=reading.market,
        language=language,
        unmatched=reading.unmatched,
        sure=reading.sure,
        also=reading.also if command.action == "query" else None,
    )


def _asked(command: Command, reading: Reading, words: list[str]) -> Command:
    """What a question without a command's syntax asks for: SELL when it wants to sell a
    crop and names no market; when it names nothing, how to stop, a language, a list or
    help; else the price question it is."""
    said = set(words)
    if reading.commodity is not None or reading.market is not None:
        if reading.commodity is not None and reading.market is None and said & vocab.SELL_WORDS:
            return replace(command, action="sell")
        return command
    if _pleads_to_stop(words):
        return replace(command, action="help", about="stop")
    named = [vocab.LANGUAGE_NAMES[w] for w in words if w in vocab.LANGUAGE_NAMES]
    if named:
        return replace(command, action="lang", set_language=named[0])
    kinds = [vocab.LIST_KINDS[w] for w in words if w in vocab.LIST_KINDS]
    if kinds or said & vocab.LIST_WORDS:
        return replace(command, action="list", list_kind=kinds[0] if kinds else "")
    if said & vocab.HELP_WORDS or not reading.unmatched:
        return replace(command, action="help")
    return command


def _pleads_to_stop(words: list[str]) -> bool:
    pairs = set(zip(words, words[1:], strict=False))
    return any(
        w.startswith(vocab.STOP_PLEA_STEMS) or w in vocab.STOP_PLEA_WORDS for w in words
    ) or any(pair in pairs for pair in vocab.STOP_PLEA_PHRASES)


@dataclass(frozen=True)
class _Found:
    owner_id: int
    start: int
    end: int  # the words start..end-1 name it
    quality: float  # 3 exact, 2 inflected, below 1 a typo (its similarity)
    languages: tuple[str, ...]  # what the way it was written says (alias, inflection)

    @property
    def rank(self) -> tuple[int, float]:
        return (self.end - self.start, self.quality)  # the longest name wins


def read(text: str) -> Reading:
    """Find a crop and a market anywhere in ``text`` and ignore the rest: filler in four
    languages, punctuation, emoji, numbers. Names match in any inflection (word_forms),
    written with or without their hyphens and spaces; a typo is forgiven when nothing
    matches exactly. The longest name wins (wheat flour is not wheat); a name written
    only in everyday words ("may", "un") loses to any other. A second crop or market
    named as surely is kept as ``also``."""
    words = word_forms.words(text)
    crops, places = name_index.indexes()
    crop_found = _find(crops, words)
    market_found = _find(places, words)
    crop, market = _best_pair(crop_found, market_found)
    other = _second(crop_found, market_found, crop, market)
    if other is not None and crop is not None and market is not None:
        # The one named first answers first: "potatoes and wheat flour" is potatoes.
        if other in crop_found and other.start < crop.start:
            crop, other = other, crop
        elif other in market_found and other.start < market.start:
            market, other = other, market
    covered = {i for f in (crop, market, other) if f for i in range(f.start, f.end)}
    unmatched = [
        w
        for i, w in enumerate(words)
        if i not in covered and w not in vocab.COMMON and w not in _COMMAND_WORDS and len(w) > 1
    ]
    sure = all(f.quality >= 2 for f in (crop, market) if f) and not (
        _tied(crop_found, crop) or _tied(market_found, market)
    )
    also = None
    if other is not None:
        also = crops.get(other.owner_id) if other in crop_found else places.get(other.owner_id)
    return Reading(
        commodity=crops.get(crop.owner_id) if crop else None,
        market=places.get(market.owner_id) if market else None,
        language=_language(text, words, [f for f in (crop, market) if f], covered),
        unmatched=" ".join(unmatched),
        sure=sure,
        also=also,
    )


def _second(
    crops: list[_Found], markets: list[_Found], crop: _Found | None, market: _Found | None
) -> _Found | None:
    """Another crop, or another market, named as surely as a name can be (whole or
    inflected, not in everyday words) where no chosen name stands: the first such."""
    chosen = [f for f in (crop, market) if f]
    taken = {i for f in chosen for i in range(f.start, f.end)}
    candidates = [
        f
        for found, picked in ((crops, crop), (markets, market))
        if picked is not None
        for f in found
        if f.owner_id != picked.owner_id
        and f.quality >= 2
        and not taken.intersection(range(f.start, f.end))
    ]
    return min(candidates, key=lambda f: (f.start, -f.end), default=None)


def _find(index: name_index.NameIndex, words: list[str]) -> list[_Found]:
    phrases = index.phrases()
    found: list[_Found] = []
    for start, word in enumerate(words):
        forms = word_forms.forms(word)
        seen = set()
        for form in forms:
            for phrase in phrases.get(form, ()):
                if id(phrase) in seen:
                    continue
                seen.add(id(phrase))
                end = start + len(phrase.words)
                if end > len(words) or not all(
                    word_forms.same_word(word_forms.forms(words[start + k]), phrase.forms[k])
                    for k in range(len(phrase.words))
                ):
                    continue
                written = words[start:end]
                exact = tuple(written) == phrase.words
                quality = 3.0 if exact else 2.0
                if all(w in vocab.COMMON for w in written):
                    if not exact:  # "moi" is no inflection of anything
                        continue
                    quality *= COMMON_WORD_WEIGHT
                found.append(
                    _Found(phrase.owner_id, start, end, quality, _revealed(written, phrase))
                )
    covered = {i for f in found for i in range(f.start, f.end)}
    # Typos, only where no name matched, and only in words long enough to judge: the
    # longest run of such words first (Djalal-Abad for Jalal-Abad), then shorter ones.
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            span = range(start, start + size)
            run = [words[i] for i in span]
            if any(i in covered for i in span) or run[0] in FILLER or run[-1] in FILLER:
                continue
            if any(w in _COMMAND_WORDS for w in run):  # "aidez", "stop": never a typo
                continue
            if len("".join(run)) < TYPO_MIN_LETTERS:
                continue
            for owner_id, name, score in index.scores(" ".join(run), limit=1, min_score=TYPO_SCORE):
                language = index.language_of(owner_id, name)
                found.append(
                    _Found(
                        owner_id, start, start + size, score / 100, (language,) if language else ()
                    )
                )
                covered.update(span)
    return found


def _revealed(written: list[str], phrase: name_index.Phrase) -> tuple[str, ...]:
    """The languages the way a name was written tells: its alias's, and the language
    whose inflection it carries (Ошто, Нарында: Kyrgyz; Бишкеке, картофеля: Russian)."""
    languages = [phrase.language] if phrase.language else []
    for word, name_word in zip(written, phrase.words, strict=False):
        if word == name_word:
            continue
        if name_word in word_forms.kyrgyz_stems(word) or any(
            stem in word_forms.kyrgyz_stems(word) for stem in word_forms.kyrgyz_stems(name_word)
        ):
            languages.append("ky")
        elif word_forms.is_cyrillic(word) or _russian_latin_case(word, name_word):
            languages.append("ru")
    return tuple(languages)


def _russian_latin_case(word: str, name_word: str) -> bool:
    """Whether ``word`` is ``name_word`` with a Russian case ending in Latin letters
    ("oshe", "bishkeke", "kartoshki")."""
    stem = name_word[:-1] if name_word.endswith(("a", "y")) else name_word
    ending = word[len(stem) :]
    return word.startswith(stem) and ending in RUSSIAN_LATIN_ENDINGS and word != name_word


def _best_pair(crops: list[_Found], markets: list[_Found]) -> tuple[_Found | None, _Found | None]:
    """The crop and the market that together cover the most words, best matched, and do
    not overlap."""
    best: tuple[_Found | None, _Found | None] = (None, None)
    best_rank: tuple[int, float] = (0, 0.0)
    for crop in [None, *crops]:
        for market in [None, *markets]:
            if crop and market and crop.start < market.end and market.start < crop.end:
                continue
            chosen = [f for f in (crop, market) if f]
            rank = (sum(f.end - f.start for f in chosen), sum(f.quality for f in chosen))
            if rank > best_rank:
                best, best_rank = (crop, market), rank
    return best


def _tied(found: list[_Found], chosen: _Found | None) -> bool:
    """Whether another thing was read from the same words just as well."""
    if chosen is None:
        return False
    return any(
        f.owner_id != chosen.owner_id and f.rank == chosen.rank and f.start == chosen.start
        for f in found
    )


def _language(text: str, words: list[str], found: list[_Found], names: set[int]) -> str:
    """The language the farmer wrote in: their question words say it best (not a word
    read as a name: "un" in "bishkekte un kancha" is Kyrgyz flour); then Kyrgyz letters;
    then how the names were written and inflected; then the script."""
    votes: dict[str, float] = defaultdict(float)
    for i, word in enumerate(words):
        if FILLER.get(word) and i not in names:
            votes[FILLER[word]] += 2
    if any(ch in KYRGYZ_LETTERS for ch in text.casefold()):
        votes["ky"] += 3
    for f in found:
        for language in f.languages:
            votes[language] += 1
    if any(word_forms.is_cyrillic(w) for w in words):
        votes["ru"] += 0.5
    if not votes:
        return ""
    return max(sorted(votes), key=lambda language: votes[language])
