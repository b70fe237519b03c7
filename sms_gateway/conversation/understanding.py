"""Understanding a message: its command (parser.py, pure), the crop and market its words
name wherever they stand, and the language it is written in. Names are matched against
the catalogue's names and aliases in every language (``agriprices.name_index``: in
memory, keyed by a version every name change bumps, so never stale), in any inflection
(``agriprices.word_forms``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from agriprices import name_index, word_forms
from agriprices.models import Commodity, Market
from sms_gateway.conversation.parser import Command, parse
from sms_gateway.conversation.vocabulary import FILLER

#: A word matching no name exactly or inflected is taken for a typo of one when it is
#: this similar (0-100) and at least this long.
TYPO_SCORE = 80
TYPO_MIN_LETTERS = 4
KYRGYZ_LETTERS = frozenset("ңөү")
#: Commands whose words name a crop, a market or both.
NAMING = frozenset({"query", "sell", "subscribe", "unsubscribe", "report"})


@dataclass(frozen=True)
class Reading:
    """The crop and market found in a message's words, and what the words say of the
    language they are written in."""

    commodity: Commodity | None
    market: Market | None
    language: str  # "" when nothing tells
    unmatched: str  # words that are neither filler nor part of a name found
    sure: bool  # False when a name was guessed from a typo, or two readings tie


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
    )


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
    matches exactly. The longest name wins (wheat flour is not wheat)."""
    words = word_forms.words(text)
    crops, places = name_index.indexes()
    crop_found = _find(crops, words)
    market_found = _find(places, words)
    crop, market = _best_pair(crop_found, market_found)
    covered = {i for f in (crop, market) if f for i in range(f.start, f.end)}
    unmatched = [
        w for i, w in enumerate(words) if i not in covered and w not in FILLER and len(w) > 1
    ]
    sure = all(f.quality >= 2 for f in (crop, market) if f) and not (
        _tied(crop_found, crop) or _tied(market_found, market)
    )
    return Reading(
        commodity=crops.get(crop.owner_id) if crop else None,
        market=places.get(market.owner_id) if market else None,
        language=_language(text, words, [f for f in (crop, market) if f]),
        unmatched=" ".join(unmatched),
        sure=sure,
    )


def _find(index: name_index.NameIndex, words: list[str]) -> list[_Found]:
    phrases = index.phrases()
    found: list[_Found] = []
    for start, word in enumerate(words):
        if word in FILLER:  # a name may hold a filler word (pommes de terre), not begin so
            continue
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
                found.append(
                    _Found(
                        phrase.owner_id,
                        start,
                        end,
                        3.0 if exact else 2.0,
                        _revealed(written, phrase),
                    )
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
        elif word_forms.is_cyrillic(word):
            languages.append("ru")
    return tuple(languages)


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


def _language(text: str, words: list[str], found: list[_Found]) -> str:
    """The language the farmer wrote in: their question words say it best; then Kyrgyz
    letters; then how the names were written and inflected; then the script."""
    votes: dict[str, float] = defaultdict(float)
    for word in words:
        if FILLER.get(word):
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
