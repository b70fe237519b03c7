"""The whole interface, not only the SMS texts, is translated into every language."""

import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.parametrize("language", ["fr", "ru", "ky"])
def test_every_string_is_translated_and_none_is_a_guess(language):
    catalogue = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = catalogue.split("\n\n")[1:]  # the first is the catalogue's header
    assert len(entries) > 250
    untranslated = [
        e for e in entries if re.search(r'^msgstr(\[\d\])? ""$', e, re.M) and "#~" not in e
    ]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert untranslated == [] and fuzzy == []
