"""Every SMS string is translated into every interface language, and short enough."""

import re
from pathlib import Path

import pytest

from sms_gateway.segments import count_segments

LOCALE = Path(__file__).resolve().parents[2] / "locale"
ENTRY = re.compile(r'msgctxt "sms"\nmsgid "((?:[^"\\]|\\.)*)"\nmsgstr "((?:[^"\\]|\\.)*)"')


def sms_entries(language):
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    return ENTRY.findall(text)


@pytest.mark.parametrize("language", ["fr", "ru", "ky"])
def test_every_sms_string_is_translated(language):
    entries = sms_entries(language)
    assert len(entries) >= 25
    missing = [source for source, translation in entries if not translation]
    assert missing == []


@pytest.mark.parametrize("language", ["fr", "ru", "ky"])
def test_fixed_sms_texts_fit_one_segment(language):
    for source, translation in sms_entries(language):
        if "{" not in translation:
            assert count_segments(translation).segments == 1, translation
        # Placeholders must survive translation, or formatting fails at run time.
        assert set(re.findall(r"\{\w+\}", source)) == set(re.findall(r"\{\w+\}", translation))
