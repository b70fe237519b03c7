"""How names are compared: one normalisation for aliases, imports and typed text."""

import re
import unicodedata

from django.utils.text import slugify

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_name(text: str) -> str:
    """Case-fold, drop accents and punctuation, collapse spaces.

    "Pommes de terre", "POMMES-DE-TERRE" and "pommes de terre " compare equal; Cyrillic
    stays Cyrillic (ё folds to е), so "Картошка" and "картошка" match.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped).strip()


def make_slug(text: str) -> str:
    """ASCII slug when the name has Latin letters, otherwise a Unicode one."""
    return slugify(text) or slugify(text, allow_unicode=True) or "item"


def name_in(names: object, language: str) -> str:
    """The name stored for ``language`` in a names-by-language field, or "" when there
    is none, or what is stored is not a name (a form being corrected still shows)."""
    name = names.get(language) if isinstance(names, dict) else None
    return name.strip() if isinstance(name, str) else ""
