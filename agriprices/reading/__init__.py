"""Reading crop and market names out of free text: the price domain's own, beside the
name index (``agriprices.name_index``) and the word forms (``agriprices.word_forms``), so
that the dashboard's search and the SMS service's understanding read a question the same
way. Names are matched against the catalogue's names and aliases in every language, in
any inflection; filler is passed over; a typo is forgiven where nothing else matches.

A caller may name more words to pass over (the conversation's command words) and a finer
way to tell a word's language (its question and command words)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from agriprices import name_index, word_forms
from agriprices.models import Commodity, Market
from agriprices.reading import words as vocab
from agriprices.reading.words import FILLER

#: A word matching no name exactly or inflected is taken for a typo of one when it is
#: this similar (0-100) and at least this long.
TYPO_SCORE = 80
TYPO_MIN_LETTERS = 4
KYRGYZ_LETTERS = frozenset("ңөү")
#: A name written only in everyday words ("may", "un") counts this much of its match.
COMMON_WORD_WEIGHT = 0.5
#: Endings of Russian nouns written in Latin letters ("v oshe", "v bishkeke", "kartoshki"):
#: a name carrying one was written in Russian.
RUSSIAN_LATIN_ENDINGS = ("e", "a", "u", "om", "ov", "ya", "yu", "i", "y", "oy", "ey", "akh", "ah")


@dataclass(frozen=True)
class Reading:
    """The crop and market found in a message's words, and what the words say of the
    language they are written in."""

    commodity: Commodity | None
    market: Market | None
    language: str  # "" when nothing tells
    unmatched: str  # words that are neither filler nor part of a name found, as typed
    sure: bool  # False when a name was guessed from a typo, or two readings tie
    #: A second crop or market the message names ("potatoes and onions in osh").
    also: Commodity | Market | None = None
    #: Every crop and every market named, in the order written (the first of each is
    #: ``commodity`` and ``market``).
    crops: tuple[Commodity, ...] = ()
    markets: tuple[Market, ...] = ()
    #: Words that look like a typo of a name but were not read as one, since other
    #: names were found ("нарин" in "картошка ош нарин"), each with the names it
    #: resembles (the closest first), in the order written: a reply says them rather
    #: than drop them.
    unread: tuple[tuple[str, tuple[Commodity | Market, ...]], ...] = ()


@dataclass(frozen=True)
class _Found:
    owner_id: int
    start: int
    end: int  # the words start..end-1 name it
    quality: float  # 3 exact, 2 inflected, below 1 a typo (its similarity)
    languages: tuple[str, ...]  # what the way it was written says (alias, inflection)
    everyday: bool = False  # written only in everyday words ("may", "un")

    @property
    def rank(self) -> tuple[int, float]:
        return (self.end - self.start, self.quality)  # the longest name wins

    @property
    def sure(self) -> bool:
        """Named whole or inflected, not guessed from a typo nor read in everyday words."""
        return self.quality >= 2


def read(
    text: str,
    *,
    passed_over: frozenset[str] = frozenset(),
    word_language: Callable[[str], str] = vocab.filler_language,
) -> Reading:
    """Find the crops and markets anywhere in ``text`` and ignore the rest: filler in four
    languages, punctuation, emoji, numbers. Names match in any inflection (word_forms),
    written with or without their hyphens and spaces; a typo is forgiven when nothing
    matches exactly. The longest name wins (wheat flour is not wheat); a name written
    only in everyday words ("may", "un") loses to any other. Other crops and markets
    named as surely are kept too, in the order written: the one named first is
    ``commodity`` (or ``market``), the next named ``also``. ``passed_over``: more words
    (folded) that are neither names nor unknown, nor typos of names; ``word_language``:
    the language a word that is not a name tells ("" for none)."""
    typed = word_forms.typed_words(text)
    words = [word_forms.fold(word) for word in typed]
    crops, places = name_index.indexes()
    people = _introduced(words)
    crop_found = _find(crops, words, typed, passed_over, people)
    market_found = _find(places, words, typed, passed_over, people)
    crop_found = _joined(_described(crop_found, words, crops), words)
    crop, market = _best_pair(crop_found, market_found)
    named_crops, named_markets = _named(crop_found, market_found, crop, market)
    covered = {i for f in (*named_crops, *named_markets) for i in range(f.start, f.end)}
    # A typo of a name also named ("ош нарын нарин") says it again: neither unknown nor
    # unread.
    again = {
        i
        for found, named in ((crop_found, named_crops), (market_found, named_markets))
        for f in found
        if any(f.owner_id == n.owner_id for n in named)
        for i in range(f.start, f.end)
    }
    # Said back as typed (with its accents and letters such as ү and й, which folding
    # drops), in lower case.
    unmatched = [
        typed[i]
        for i, w in enumerate(words)
        if i not in covered | again | people
        and word_forms.without_question(w) not in vocab.COMMON
        and w not in vocab.GENERIC
        and w not in passed_over
        and len(w) > 1
    ]
    sure = all(f.quality >= 2 for f in (crop, market) if f) and not (
        _tied(crop_found, crop) or _tied(market_found, market)
    )
    crop_things = [crops.get(f.owner_id) for f in named_crops]
    market_things = [places.get(f.owner_id) for f in named_markets]
    # After the first crop and the first market, the one named next.
    others = sorted([*named_crops[1:], *named_markets[1:]], key=lambda f: f.start)
    also: Commodity | Market | None = None
    if others:
        also = next(
            (c for f, c in zip(named_crops, crop_things, strict=True) if f is others[0]), None
        )
        also = also or next(
            (m for f, m in zip(named_markets, market_things, strict=True) if f is others[0]), None
        )
    return Reading(
        commodity=crop_things[0] if crop_things else None,
        market=market_things[0] if market_things else None,
        language=_language(text, words, [f for f in (crop, market) if f], covered, word_language),
        unmatched=" ".join(unmatched),
        sure=sure,
        also=also,
        crops=tuple(c for c in crop_things if c is not None),
        markets=tuple(m for m in market_things if m is not None),
        unread=_unread(
            [(f, crops) for f in crop_found if f.owner_id not in {n.owner_id for n in named_crops}]
            + [
                (f, places)
                for f in market_found
                if f.owner_id not in {n.owner_id for n in named_markets}
            ],
            covered,
            typed,
        ),
    )


def _unread(
    found: list[tuple[_Found, name_index.NameIndex]], covered: set[int], typed: list[str]
) -> tuple[tuple[str, tuple[Commodity | Market, ...]], ...]:
    """The typos of names left out of the reading (words no name covers), each with the
    names it resembles, the closest first (a crop's and a market's: "narine" is close
    to both farine and Naryn), in the order written."""
    spans: dict[tuple[int, int], list[tuple[float, Commodity | Market]]] = defaultdict(list)
    for f, index in found:
        if f.quality >= 1 or covered & set(range(f.start, f.end)):
            continue
        thing = index.get(f.owner_id)
        if thing is not None:
            spans[(f.start, f.end)].append((f.quality, thing))
    unread: dict[str, tuple[Commodity | Market, ...]] = {}
    end = 0
    for start, stop in sorted(spans):
        if start < end:  # a crop's typo and a market's may overlap: the first written
            continue
        closest = sorted(spans[(start, stop)], key=lambda guess: -guess[0])
        unread.setdefault(" ".join(typed[start:stop]), tuple(thing for _, thing in closest))
        end = stop
    return tuple(unread.items())  # a word written twice, once


def _named(
    crops: list[_Found], markets: list[_Found], crop: _Found | None, market: _Found | None
) -> tuple[list[_Found], list[_Found]]:
    """The crops and the markets named, each in the order written: the chosen ones, and
    every other named as surely as a name can be where no name already stands (the
    longest first, as for the chosen ones). A second crop counts only beside a crop, a
    second market only beside a market."""
    named: dict[str, list[_Found]] = {
        "crop": [crop] if crop else [],
        "market": [market] if market else [],
    }
    taken = {i for f in (crop, market) if f for i in range(f.start, f.end)}
    candidates = [
        (kind, f)
        for kind, found in (("crop", crops), ("market", markets))
        if named[kind]
        for f in found
        if f.sure
    ]
    for kind, f in sorted(candidates, key=lambda c: (-(c[1].end - c[1].start), -c[1].quality)):
        span = set(range(f.start, f.end))
        if taken & span or any(n.owner_id == f.owner_id for n in named[kind]):
            continue
        named[kind].append(f)
        taken |= span
    return (
        sorted(named["crop"], key=lambda f: f.start),
        sorted(named["market"], key=lambda f: f.start),
    )


def _joined(found: list[_Found], words: list[str]) -> list[_Found]:
    """A crop written in everyday words counts as surely as any when "and" joins it to
    another crop in a language where those words are not everyday: "sut jana may" is
    milk and oil, "kartoshka jana un" potatoes and flour ("pommes de terre et un kilo"
    stays one crop)."""
    ends = {g.end for g in found if g.sure}
    starts = {g.start for g in found if g.sure}

    def joined(f: _Found) -> bool:
        # "and" just before, a sure name ending there; or just after, one starting next.
        return any(
            0 <= at < len(words)
            and words[at] in vocab.CONJUNCTIONS
            and beside
            and not any(
                vocab.everyday_in(w, vocab.CONJUNCTIONS[words[at]]) for w in words[f.start : f.end]
            )
            for at, beside in ((f.start - 1, f.start - 1 in ends), (f.end, f.end + 1 in starts))
        )

    return [
        replace(f, quality=f.quality / COMMON_WORD_WEIGHT, everyday=False)
        if f.everyday and joined(f)
        else f
        for f in found
    ]


def _described(found: list[_Found], words: list[str], crops: name_index.NameIndex) -> list[_Found]:
    """Leave out a crop named only by a word for its kind ("мясо": meat) right beside a
    crop of that kind ("мясо баранина" is mutton, not beef and mutton)."""

    def kind(f: _Found) -> str:
        thing = crops.get(f.owner_id)
        return thing.category if thing is not None else ""

    return [
        f
        for f in found
        if not (
            all(w in vocab.GENERIC for w in words[f.start : f.end])
            and any(
                g.owner_id != f.owner_id
                and g.sure
                and (g.start == f.end or g.end == f.start)
                and kind(g) == kind(f)
                for g in found
            )
        )
    ]


def _introduced(words: list[str]) -> set[int]:
    """Where a farmer gives his own name: the word after "je m'appelle", "меня зовут"."""
    return {
        start + len(phrase)
        for phrase in vocab.INTRODUCTIONS
        for start in range(len(words) - len(phrase))
        if tuple(words[start : start + len(phrase)]) == phrase
    }


def _find(
    index: name_index.NameIndex,
    words: list[str],
    typed: list[str],
    passed_over: frozenset[str],
    people: set[int],
) -> list[_Found]:
    phrases = index.phrases()
    found: list[_Found] = []
    for start, word in enumerate(words):
        if start in people:  # "меня зовут Алма": a woman, not apples
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
                quality = 3.0 if exact else 2.0
                # An everyday word typed with an accent is the name ("maïs", not "mais").
                everyday = all(
                    w in vocab.COMMON and not word_forms.accented(t)
                    for w, t in zip(written, typed[start:end], strict=True)
                )
                if everyday:
                    if not exact:  # "moi" is no inflection of anything
                        continue
                    quality *= COMMON_WORD_WEIGHT
                found.append(
                    _Found(
                        phrase.owner_id,
                        start,
                        end,
                        quality,
                        _revealed(written, phrase),
                        everyday,
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
            if any(w in passed_over for w in run):  # "aidez", "stop": never a typo
                continue
            if people & set(span):  # "меня зовут Алмаз", as "Алма"
                continue
            if len("".join(run)) < TYPO_MIN_LETTERS:
                continue
            matches = index.scores(" ".join(run), limit=1, min_score=TYPO_SCORE)
            if not matches and size == 1:  # a typo inflected: "в Нарине" (Нарын)
                stem = word_forms.russian_stem(run[0])
                if stem != run[0] and len(stem) >= TYPO_MIN_LETTERS:
                    matches = index.scores(stem, limit=1, min_score=TYPO_SCORE)
            for owner_id, name, score in matches:
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


def _language(
    text: str,
    words: list[str],
    found: list[_Found],
    names: set[int],
    word_language: Callable[[str], str],
) -> str:
    """The language the farmer wrote in: their question words say it best (not a word
    read as a name: "un" in "bishkekte un kancha" is Kyrgyz flour); then Kyrgyz letters;
    then how the names were written and inflected; then the script."""
    votes: dict[str, float] = defaultdict(float)
    for i, word in enumerate(words):
        told = word_language(word) or word_language(word_forms.without_question(word))
        if told and i not in names:
            votes[told] += 2
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
