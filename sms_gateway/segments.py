"""How the network measures a text, as pure functions: the paid SMS segments it costs
(3GPP TS 23.038 and 23.040) and whether it fits one USSD screen (TS 23.038, GSM 04.80).

A segment holds 160 GSM-7 characters, or 70 UCS-2 code units when any character is
outside GSM-7 (Cyrillic always is). Longer texts are split into parts of 153 and 67,
the rest of each part being the concatenation header. GSM-7 extension characters
(``€ [ ] { } ^ ~ | \\`` and form feed) take two septets.

A USSD string is 160 octets: 182 GSM-7 septets packed, or 80 UCS-2 code units once any
character needs UCS-2 (every Cyrillic screen, and a French one with ç or ï).

``Room`` is what one message of a channel holds, so a reply is fitted to it with the
same candidates whatever the channel (``SMS_SEGMENT``, ``USSD_SCREEN``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from agriprices import word_forms

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
USSD_GSM7, USSD_UCS2 = 182, 80

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


def said_back(word: str) -> str:
    """A sender's word as a reply says it back: as typed, unless GSM-7 cannot carry it
    and can carry it folded ("nîmes" as "nimes"): one such letter would make a Latin
    reply UCS-2, half the room. Cyrillic stays as typed ("чүйбү"): its replies are UCS-2
    anyway, and folding would change its letters."""
    if is_gsm7(word):
        return word
    folded = word_forms.fold(word)
    return folded if is_gsm7(folded) else word


def encoded(text: str) -> tuple[str, int]:
    """The encoding the network uses for ``text`` ("GSM-7" or "UCS-2") and how many units
    it takes: septets (an extension character takes two), or UTF-16 code units (a
    character beyond the Basic Multilingual Plane, such as an emoji, takes two)."""
    if is_gsm7(text):
        return "GSM-7", sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    return "UCS-2", sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


@dataclass(frozen=True)
class UssdSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int
    room: int  # 182 or 80

    @property
    def fits(self) -> bool:
        return self.units <= self.room


def ussd_size(text: str) -> UssdSize:
    """Whether ``text`` needs UCS-2 and how much one USSD screen then holds: the one rule
    every USSD screen is sized by."""
    encoding, units = encoded(text)
    return UssdSize(encoding, units, USSD_GSM7 if encoding == "GSM-7" else USSD_UCS2)


def fits_ussd_screen(text: str) -> bool:
    return ussd_size(text).fits


def count_segments(text: str) -> SegmentCount:
    """The encoding a phone would choose for ``text`` and how many segments it costs."""
    encoding, units = encoded(text)
    if encoding == "GSM-7":
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        single, part = UCS2_SINGLE, UCS2_PART
    if units == 0:
        return SegmentCount(encoding, 0, 0)
    segments = 1 if units <= single else math.ceil(units / part)
    return SegmentCount(encoding, units, segments)


def fits_one_segment(text: str) -> bool:
    return count_segments(text).segments <= 1


def truncate_to_one_segment(text: str) -> str:
    """The longest prefix of ``text`` that fits one segment, ending in ".." when cut."""
    return SMS_SEGMENT.cut(text)


#: How a text cut to fit shows it was cut.
CUT = ".."


def was_cut(text: str) -> bool:
    return CUT in text


@dataclass(frozen=True)
class Room:
    """What one message of a channel holds, measured as its network measures it."""

    fits: Callable[[str], bool]

    def cut(self, text: str, keep: str = "") -> str:
        """The longest prefix of ``text`` that fits, ending in ".." when cut; with
        ``keep`` whole after it (what must reach the reader: where the rest is)."""
        if self.fits(text + keep):
            return text + keep
        cut = text
        while cut and not self.fits(cut.rstrip() + CUT + keep):
            cut = cut[:-1]
        return cut.rstrip() + CUT + keep

    def after(self, text: str) -> Room:
        """What this room holds after ``text``."""
        return Room(lambda rest: self.fits(text + rest))


def sms_room(segments: int) -> Room:
    """What ``segments`` SMS segments hold, as one message sent in parts."""
    return Room(lambda text: count_segments(text).segments <= segments)


SMS_SEGMENT = Room(fits_one_segment)
USSD_SCREEN = Room(fits_ussd_screen)
