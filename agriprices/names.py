"""How names are compared: one folding of text (``fold_marks``) under the normalisation
of stored aliases and imported names (``normalize_name``) and the folding of a message's
words (``word_forms.fold``, which adds what reading a typed word needs)."""

import re
import unicodedata

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
