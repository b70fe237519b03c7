"""Matching typed text against every name and alias of the catalogue, in any language
and script, forgiving typos (rapidfuzz): for SMS, the API's search and the dashboard.
The index of each kind is kept in memory and in the shared cache under a version that
every committed change of a name bumps, so it is never stale."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# --- Who may record where ---------------------------------------------------------------
from rapidfuzz import fuzz, process

from agriprices import word_forms
from agriprices.models import (
    AliasBase,
    Commodity,
    CommodityAlias,
    Market,
    MarketAlias,
)
from agriprices.names import normalize_name


@dataclass(frozen=True)
class NameMatch:
    """A commodity or market that typed text may mean, and how sure we are (0-100)."""

    obj: Commodity | Market
    alias: str
    score: float


@dataclass(frozen=True)
class Phrase:
    """A name as words, each with its forms (word_forms), for finding names inside a
    message whatever their inflection."""

    owner_id: int
    name: str  # as the catalogue writes it
    words: tuple[str, ...]  # folded
    forms: tuple[frozenset[str], ...]
    language: str  # of the alias, when it says


NAMES_VERSION_KEY = "names:version"
NAMES_CACHE_SECONDS = 24 * 3600
#: The newest index of each model in this process, with its cache key: per use only the
#: version key is read from the shared cache, not the whole index.
_local_indexes: dict[str, tuple[str, Any]] = {}
#: The phrases of each index in this process, under the same key (computed from it).
_local_phrases: dict[str, tuple[str, dict[str, list[Phrase]]]] = {}


def _names_version() -> str:
    """Changes whenever a commodity, market or alias does (see apps.py), so cached name
    indexes are never stale; a lost cache simply starts a new version."""
    version = cache.get(NAMES_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(NAMES_VERSION_KEY, version, timeout=None)
        version = cache.get(NAMES_VERSION_KEY, version)
    return version


def names_version() -> str:
    """The catalogue's names' current version: what is worked out from the names (the
    voice line's clips) is kept under it."""
    return _names_version()


def names_changed(**kwargs: Any) -> None:
    """A commodity, market or alias was saved or deleted: start a new version once the
    change is committed (bumped before, another process could load the old names under
    the new version and keep them)."""
    transaction.on_commit(lambda: cache.set(NAMES_VERSION_KEY, uuid.uuid4().hex, timeout=None))


Thing = TypeVar("Thing", Commodity, Market)


class NameIndex(Generic[Thing]):
    """Every name one kind of thing answers to, and the things themselves, in memory: for
    matching typed text many times over (an SMS tries several ways to split its words)
    and handing back what matched, with no query once loaded.

    Exact names in any script win; then whole-string similarity, which forgives typos
    ("potatos") without letting a short word match inside a long one ("ош" in
    "картошка")."""

    def __init__(self, model: type[Thing], version: str = "") -> None:
        self.model: type[Thing] = model
        name = model.__name__.lower()
        # "v3": what is cached and how; a deploy that changes it starts afresh.
        key = f"names:v3:{name}:{version or _names_version()}"
        local_key, cached = _local_indexes.get(name, ("", None))
        if local_key != key:
            cached = cache.get(key)
            if cached is None:
                cached = self._load(model)
                cache.set(key, cached, timeout=NAMES_CACHE_SECONDS)
            _local_indexes[name] = (key, cached)
        self.entries, self.languages, self._objects = cached
        self.choices = [e[0] for e in self.entries]
        self._key = key

    def phrases(self) -> dict[str, list[Phrase]]:
        """Every name and alias as a phrase, by each form of its first word; a name of
        several words also as one word (Jalal-Abad written jalalabad)."""
        name = self.model.__name__.lower()
        key, found = _local_phrases.get(name, ("", {}))
        if key != self._key:
            found = {}
            for _normalized, owner_id, written in self.entries:
                folded = tuple(word_forms.words(written))
                if not folded:
                    continue
                language = self.language_of(owner_id, written)
                variants = [folded, ("".join(folded),)] if len(folded) > 1 else [folded]
                for words in variants:
                    phrase = Phrase(
                        owner_id,
                        written,
                        words,
                        tuple(word_forms.forms(w) for w in words),
                        language,
                    )
                    for form in phrase.forms[0]:
                        found.setdefault(form, []).append(phrase)
            _local_phrases[name] = (self._key, found)
        return found

    def get(self, pk: int) -> Thing | None:
        """The thing with this id (a commodity with its base unit), as loaded with the
        index; a copy, so a caller's changes stay its own."""
        found = self._objects.get(pk)
        return copy.copy(found) if found is not None else None

    def name_of(self, pk: int, language: str) -> str | None:
        """The thing's name in ``language`` (None when it is no longer there), read
        without a copy: a menu names every thing of a long list and picks one."""
        found = self._objects.get(pk)
        return found.display_name(language) if found is not None else None

    def things(self) -> list[Thing]:
        """Every commodity (or market) as loaded with the index, for listing them
        without a query; read their names, never change them (they are not copies)."""
        return list(self._objects.values())

    def language_of(self, owner_id: int, written: str) -> str:
        """The one language a name belongs to, or "" when it is shared: Талас is the
        Russian and the Kyrgyz name alike, and a market's own name (Osh) everyone's."""
        normalized = normalize_name(written)
        thing = self._objects.get(owner_id)
        if self.model is Market and thing is not None and normalized == normalize_name(thing.name):
            # A place's own name ("Osh") is how a farmer of any language writes it, even
            # where his language has a name of its own for it (French "Och"): it tells
            # nothing of the language.
            return ""
        languages = {
            language
            for language, _label in settings.LANGUAGES
            if thing is not None and normalize_name(thing.display_name(language)) == normalized
        }
        if self.languages.get(normalized):
            languages.add(self.languages[normalized])
        if not languages and thing is not None and not word_forms.is_cyrillic(written):
            # A Latin spelling of a Cyrillic name ("kartoshka", "jugoru") is in that
            # name's language.
            key = word_forms.latin_key(written)
            languages = {
                language
                for language, _label in settings.LANGUAGES
                if word_forms.is_cyrillic(shown := thing.display_name(language))
                and word_forms.latin_key(shown) == key
            }
        return languages.pop() if len(languages) == 1 else ""

    @staticmethod
    def _load(
        model: type[Thing],
    ) -> tuple[list[tuple[str, int, str]], dict[str, str], dict[int, Any]]:
        owner = "commodity_id" if model is Commodity else "market_id"
        alias_model = CommodityAlias if model is Commodity else MarketAlias
        rows = list(
            alias_model.objects.filter(kind=AliasBase.Kind.NAME).values_list(
                "normalized", owner, "name", "language"
            )
        )
        entries = [(normalized, owner_id, name) for normalized, owner_id, name, _ in rows]
        objects: dict[int, Any] = (
            {c.pk: c for c in Commodity.objects.select_related("base_unit")}
            if model is Commodity
            else {m.pk: m for m in Market.objects.all()}
        )
        # Own names too, for things created without an alias (e.g. in the admin), and
        # their names in each language: what the service calls a thing, a farmer may
        # type back. A name in a language that is the other kind's own name or alias
        # stays that one's: "кант", Kyrgyz for sugar, is not the town Kant's market.
        other: type[Market] | type[Commodity] = Market if model is Commodity else Commodity
        other_alias: type[MarketAlias] | type[CommodityAlias] = (
            MarketAlias if model is Commodity else CommodityAlias
        )
        names: list[str] = list(other.objects.values_list("name", flat=True))
        aliases: list[str] = list(other_alias.objects.values_list("normalized", flat=True))
        others: set[str] = {normalize_name(name) for name in names} | set(aliases)
        known = {(normalized, owner_id) for normalized, owner_id, _ in entries}
        for pk, named in objects.items():
            shown: list[str] = [named.display_name(code) for code, _label in settings.LANGUAGES]
            for name in [named.name, *(n for n in shown if normalize_name(n) not in others)]:
                if (normalize_name(name), pk) not in known:
                    known.add((normalize_name(name), pk))
                    entries.append((normalize_name(name), pk, name))
        # The language of each name, where an alias says (tells "pommes" is French).
        languages = {normalized: language for normalized, _, _, language in rows if language}
        return entries, languages, objects

    def scores(
        self, text: str, *, limit: int = 5, min_score: float = 80
    ) -> list[tuple[int, str, float]]:
        """(id, matched name, score) of the best matches, best first."""
        query = normalize_name(text)
        if not query:
            return []
        best: dict[int, tuple[float, str]] = {}
        for normalized, owner_id, name in self.entries:
            if normalized == query:
                best[owner_id] = (100.0, name)
        if len(best) < limit:
            for _choice, score, index in process.extract(
                query, self.choices, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=min_score
            ):
                _, owner_id, name = self.entries[index]
                if score > best.get(owner_id, (0.0, ""))[0]:
                    best[owner_id] = (score, name)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[1][1]))[:limit]
        return [(owner_id, name, score) for owner_id, (score, name) in ranked]

    def search(self, text: str, *, limit: int = 5, min_score: float = 80) -> list[NameMatch]:
        found = self.scores(text, limit=limit, min_score=min_score)
        return [
            NameMatch(obj=copy.copy(self._objects[owner_id]), alias=name, score=score)
            for owner_id, name, score in found
            if owner_id in self._objects
        ]


def indexes() -> tuple[NameIndex[Commodity], NameIndex[Market]]:
    """The commodities' and the markets' indexes, of one version (read once)."""
    version = _names_version()
    return NameIndex(Commodity, version), NameIndex(Market, version)


def search_commodities(text: str, *, limit: int = 5, min_score: float = 80) -> list[NameMatch]:
    """Commodities that ``text`` may name, best first: exact alias in any language or
    script first ("картошка", "pommes de terre"), then typo-tolerant matches ("potatos")."""
    return NameIndex(Commodity).search(text, limit=limit, min_score=min_score)


def search_markets(text: str, *, limit: int = 5, min_score: float = 80) -> list[NameMatch]:
    """Markets that ``text`` may name, best first (see ``search_commodities``)."""
    return NameIndex(Market).search(text, limit=limit, min_score=min_score)
