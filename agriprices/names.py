"""How names are compared: one folding of text (``fold_marks``) under the normalisation
of stored aliases and imported names (``normalize_name``) and the folding of a message's
words (``word_forms.fold``, which adds what reading a typed word needs)."""

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any, Protocol, TypeVar

from django.utils.text import slugify

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold_marks(text: str) -> str:
    """Case-folded, compatibility-decomposed, without combining marks: "Blé" -> "ble",
    "Ёж" -> "еж", "ß" -> "ss". The first step of every comparison of text."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_name(text: str) -> str:
    """Folded (``fold_marks``), punctuation dropped, spaces collapsed.

    "Pommes de terre", "POMMES-DE-TERRE" and "pommes de terre " compare equal; Cyrillic
    stays Cyrillic (ё folds to е), so "Картошка" and "картошка" match.
    """
    return _NON_WORD.sub(" ", fold_marks(text)).strip()


def make_slug(text: str) -> str:
    """ASCII slug when the name has Latin letters, otherwise a Unicode one."""
    return slugify(text) or slugify(text, allow_unicode=True) or "item"


def name_in(names: object, language: str) -> str:
    """The name stored for ``language`` in a names-by-language field, or "" when there
    is none, or what is stored is not a name (a form being corrected still shows)."""
    name = names.get(language) if isinstance(names, dict) else None
    return name.strip() if isinstance(name, str) else ""


class Named(Protocol):
    pk: Any

    def display_name(self, language: str) -> str: ...


NamedThing = TypeVar("NamedThing", bound=Named)


@cache
def _collator() -> Any:
    from pyuca import Collator  # loads the collation table once, on first use

    return Collator()


@lru_cache(maxsize=4096)
def collation_key(name: str) -> tuple[int, ...]:
    """Where ``name`` goes in an alphabetical list, as a reader of its language expects:
    the Unicode Collation Algorithm's default order, which already is French, English,
    Russian and Kyrgyz order (é beside e, œ as oe, ё beside е, Kyrgyz ң ө ү after н о у),
    case and accents deciding only between names otherwise equal. Kept per name (it
    depends on nothing else): a sheet sorts the same few hundred names thousands of
    times, and each key costs the collator about 50 µs."""
    return tuple(_collator().sort_key(unicodedata.normalize("NFC", name.strip())))


def by_local_name(things: Iterable[NamedThing], language: str) -> list[NamedThing]:
    """``things`` by their names in ``language``, in that language's order."""
    return sorted(things, key=lambda thing: (collation_key(thing.display_name(language)), thing.pk))
