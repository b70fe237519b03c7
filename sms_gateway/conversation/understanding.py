"""Understanding a message: its command (parser.py, pure) and the crop and market its
words name, matched against the catalogue's names and aliases in every language
(``agriprices.name_index.NameIndex``: in memory, keyed by a version every name change
bumps, so never stale)."""

from __future__ import annotations

from dataclasses import dataclass

from agriprices import name_index
from agriprices.models import Commodity, Market
from sms_gateway.conversation.parser import Command, parse

#: A name must score at least this (0-100) to be taken for a crop or market.
MATCH_SCORE = 80
#: Commands whose words name a crop, a market or both.
NAMING = frozenset({"query", "sell", "subscribe", "unsubscribe", "report"})


@dataclass(frozen=True)
class Names:
    commodity: Commodity | None
    market: Market | None
    language: str  # of the names matched, when an alias says
    unmatched: str  # the words that matched nothing


@dataclass(frozen=True)
class Request:
    """What a message asks: its command, the crop and market it names, and the language
    the text reveals (by its keywords, its script or the names it used; "" when it does
    not tell)."""

    command: Command
    commodity: Commodity | None = None
    market: Market | None = None
    language: str = ""
    unmatched: str = ""

    @property
    def action(self) -> str:
        return self.command.action


def understand(text: str) -> Request:
    """Read one message. Never raises: anything unreadable is a request for help."""
    command = parse(text)
    if command.action not in NAMING or not command.terms:
        return Request(command, language=command.language)
    names = resolve(command.terms)
    return Request(
        command,
        commodity=names.commodity,
        market=names.market,
        language=command.language or names.language,  # "pommes de terre osh": French
        unmatched=names.unmatched,
    )


def resolve(terms: tuple[str, ...]) -> Names:
    """Which words name the crop and which the market, in either order ("POTATO OSH",
    "ош картошка", "pommes de terre osh"): every split is scored against the names in
    memory (no query once the index is loaded)."""
    crops, places = name_index.indexes()

    def best(index: name_index.NameIndex, words: tuple[str, ...]) -> tuple[int | None, float]:
        if not words:
            return None, 0.0
        found = index.scores(" ".join(words), limit=1, min_score=MATCH_SCORE)
        return (found[0][0], found[0][2]) if found else (None, -1.0)

    choices = []
    for k in range(len(terms) + 1):
        for crop_words, market_words in ((terms[:k], terms[k:]), (terms[k:], terms[:k])):
            crop_id, crop_score = best(crops, crop_words)
            market_id, market_score = best(places, market_words)
            if crop_score < 0 or market_score < 0 or (crop_id is None and market_id is None):
                continue
            choices.append((crop_score + market_score, crop_id, market_id, crop_words))
    if not choices:
        return Names(None, None, "", " ".join(terms))
    _, crop_id, market_id, crop_words = max(choices, key=lambda c: c[0])
    language = crops.languages.get(" ".join(crop_words), "") if crop_words else ""
    return Names(
        commodity=crops.get(crop_id) if crop_id else None,
        market=places.get(market_id) if market_id else None,
        language=language,
        unmatched="",
    )
