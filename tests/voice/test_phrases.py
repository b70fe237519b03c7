"""Sentences as clips: the punctuation between the pieces is kept beside them (for a
voice that reads words), never in what names a clip."""

from voice.phrases import Piece, fill, words


def test_the_breaks_between_clips_are_kept_out_of_their_texts():
    said = fill(
        "%(crop)s %(in_market)s: %(price)s %(unit)s",
        "en",
        crop="Wheat",
        in_market="in Osh",
        price=words("twenty-five som", "en"),
        unit="a kilo",
    )
    assert [(p.text, p.end) for p in said] == [
        ("Wheat", ""),
        ("in Osh", ","),
        ("twenty", ""),
        ("five", ""),
        ("som", ""),
        ("a kilo", "."),  # a filled template ends a sentence
    ]
    assert said[1] == Piece("en", "in Osh") and len({said[1], Piece("en", "in Osh")}) == 1


def test_a_break_inside_a_literal_stays_in_its_text_and_the_strongest_ends_it():
    said = fill(
        "Stop every SMS from us? %(choice)s: press %(digit)s.", "en", choice="Yes", digit=[]
    )
    assert [(p.text, p.end) for p in said] == [
        ("Stop every SMS from us", "?"),
        ("Yes", ","),
        ("press", "."),
    ]
    inner = fill("You stopped our SMS. To get them again, press %(digit)s.", "en", digit=[])
    assert [(p.text, p.end) for p in inner] == [
        ("You stopped our SMS. To get them again, press", "."),
    ]
