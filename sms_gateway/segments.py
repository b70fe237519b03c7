"""How many paid SMS segments a text costs (3GPP TS 23.038 and 23.040), as pure functions.

A segment holds 160 GSM-7 characters, or 70 UCS-2 code units when any character is
outside GSM-7 (Cyrillic always is). Longer texts are split into parts of 153 and 67,
the rest of each part being the concatenation header. GSM-7 extension characters
(``€ [ ] { } ^ ~ | \\`` and form feed) take two septets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Look-alikes that editors and translators slip in; each would switch a whole message
# to UCS-2 and halve what a segment holds (healthchecks strips \xa0 for the same reason).
_PLAIN = str.maketrans(
    {
        "\xa0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2212": "-",
    }
)


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    @property
    def per_segment(self) -> int:
        single = GSM7_SINGLE if self.encoding == "GSM-7" else UCS2_SINGLE
        part = GSM7_PART if self.encoding == "GSM-7" else UCS2_PART
        return single if self.segments <= 1 else part


def plain(text: str) -> str:
    """Replace typographic look-alikes by their GSM-7 forms."""
    return text.translate(_PLAIN)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count_segments(text: str) -> SegmentCount:
    """The encoding a phone would choose for ``text`` and how many segments it costs."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, part, encoding = GSM7_SINGLE, GSM7_PART, "GSM-7"
    else:
        # Characters beyond the Basic Multilingual Plane (emoji) take two code units.
        units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, part, encoding = UCS2_SINGLE, UCS2_PART, "UCS-2"
    if units == 0:
        return SegmentCount(encoding, 0, 0)
    segments = 1 if units <= single else math.ceil(units / part)
    return SegmentCount(encoding, units, segments)


def fits_one_segment(text: str) -> bool:
    return count_segments(text).segments <= 1


def truncate_to_one_segment(text: str) -> str:
    """The longest prefix of ``text`` that fits one segment, ending in ".." when cut."""
    if fits_one_segment(text):
        return text
    cut = text
    while cut and not fits_one_segment(cut.rstrip() + ".."):
        cut = cut[:-1]
    return cut.rstrip() + ".."
