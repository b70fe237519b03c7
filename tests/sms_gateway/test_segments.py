import math

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from sms_gateway.replies.text import list_pages
from sms_gateway.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SMS_SEGMENT,
    count_segments,
    fits_one_segment,
    plain,
    truncate_to_one_segment,
    ussd_size,
)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("POTATO OSH 18.50 KGS/kg +3%", "GSM-7", 27, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters count double
        ("€" * 81, "GSM-7", 162, 2),
        ("[price]{}", "GSM-7", 13, 1),
        ("Prix: 18,50 som à Osh", "GSM-7", 21, 1),  # à is in GSM-7
        ("Картошка Ош 18.5", "UCS-2", 16, 1),
        ("к" * 70, "UCS-2", 70, 1),
        ("к" * 71, "UCS-2", 71, 2),
        ("к" * 134, "UCS-2", 134, 2),
        ("к" * 135, "UCS-2", 135, 3),
        ("a" * 69 + "ö", "GSM-7", 70, 1),
        ("a" * 69 + "ő", "UCS-2", 70, 1),  # ő is not GSM-7: the whole text is UCS-2
        ("🌽" * 35, "UCS-2", 70, 1),  # outside the BMP: two code units each
        ("🌽" * 36, "UCS-2", 72, 2),
    ],
)
def test_known_segment_counts(text, encoding, units, segments):
    counted = count_segments(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)


def test_typographic_look_alikes_are_made_plain():
    text = "Osh\xa0market \u2013 \u201cfresh\u201d\u2026"
    assert count_segments(text).encoding == "UCS-2"
    assert plain(text) == 'Osh market - "fresh"...'
    assert count_segments(plain(text)).encoding == "GSM-7"


gsm_text = st.text(alphabet=sorted(GSM7_BASIC - {"\r", "\n"}), max_size=500)
any_text = st.text(max_size=600)


@given(gsm_text)
def test_plain_gsm_text_follows_160_and_153(text):
    expected = 0 if not text else 1 if len(text) <= 160 else math.ceil(len(text) / 153)
    assert count_segments(text).segments == expected


@given(any_text, any_text)
def test_a_longer_text_never_costs_less(a, b):
    assert count_segments(a + b).segments >= count_segments(a).segments


@given(st.text(alphabet=sorted(GSM7_EXTENSION), max_size=200))
def test_extension_characters_take_two_septets(text):
    assert count_segments(text).units == 2 * len(text)


@given(any_text)
def test_truncation_always_fits_one_segment_and_keeps_a_prefix(text):
    cut = truncate_to_one_segment(text)
    assert fits_one_segment(cut)
    if fits_one_segment(text):
        assert cut == text
    else:
        assert text.startswith(cut[:-2].rstrip()) and cut.endswith("..")


@pytest.mark.parametrize(
    ("text", "encoding", "units", "fits"),
    [
        ("a" * 182, "GSM-7", 182, True),
        ("a" * 183, "GSM-7", 183, False),
        ("é" * 182, "GSM-7", 182, True),  # é is in the GSM-7 alphabet
        ("€" * 91, "GSM-7", 182, True),  # an extension character takes two septets
        ("€" * 92, "GSM-7", 184, False),
        ("Ж" * 80, "UCS-2", 80, True),
        ("Ж" * 81, "UCS-2", 81, False),
        ("a" * 79 + "ç", "UCS-2", 80, True),  # ç is not (only Ç is): 80, not 182
        ("a" * 80 + "ç", "UCS-2", 81, False),
        ("1 Русский", "UCS-2", 9, True),
        ("🥔" * 40, "UCS-2", 80, True),  # beyond the BMP: two code units each
        ("🥔" * 41, "UCS-2", 82, False),
    ],
)
def test_a_ussd_screen_holds_182_gsm7_or_80_ucs2_characters(text, encoding, units, fits):
    size = ussd_size(text)
    assert (size.encoding, size.units, size.fits) == (encoding, units, fits)
    assert size.room == (182 if encoding == "GSM-7" else 80)


def test_a_list_item_too_long_for_its_page_is_cut_never_the_way_to_the_rest():
    """A market whose name and price leave no room for "More: MAIZE 3" on its page: its
    name is shortened, its price kept, and every page but the last still says what to
    send next."""
    items = ["Бишкек 23.5/kg", "Джалал-Абад центральный городской базар 17.9/kg", "Ош 19.5/kg"]
    with translation.override("ru"):
        pages = list_pages("Кукуруза (KGS)", items, "КУКУРУЗА {page}", SMS_SEGMENT)
    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        assert count_segments(page).segments == 1, page
        if number < len(pages):
            assert page.endswith(f"Ещё: КУКУРУЗА {number + 1}"), page
    assert "Джалал-Абад центральный" in pages[1] and ".. 17.9/kg." in pages[1]
    assert pages[2] == "Кукуруза (KGS) 3: Ош 19.5/kg"
