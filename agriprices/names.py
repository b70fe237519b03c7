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
