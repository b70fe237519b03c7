"""What each language needs said and how much of it is recorded: the clips page's and
``manage.py voice_clips``' one source."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User

from agriprices.name_index import names_version
from voice import clips
from voice.menus import menu_texts
from voice.models import RecordedClip
from voice.phrases import Needed, Piece, needed


@dataclass(frozen=True)
class ClipState:
    needed: Needed
    language: str
    recorded: str  # the newest recording's file name, "" when none
    synthesized: str  # the synthesised file's name when it was made, else ""

    @property
    def name(self) -> str:
        return self.recorded or self.synthesized


@dataclass(frozen=True)
class Coverage:
    language: str
    needed: int
    recorded: int

    @property
    def percent(self) -> int:
        return self.recorded * 100 // self.needed if self.needed else 100


def clips_of(language: str) -> list[ClipState]:
    """Every clip ``language`` needs now, with its recording and synthesis if any."""
    wanted = needed(language, menu_texts(language))
    recorded = clips.newest_recordings(Piece(language, n.text) for n in wanted)
    states = []
    for item in wanted:
        synthesized = clips.synthesized_name(Piece(language, item.text))
        made = synthesized if (clips.clips_dir() / synthesized).exists() else ""
        states.append(ClipState(item, language, recorded.get((language, item.text), ""), made))
    return states


def coverage() -> list[Coverage]:
    """How many clips each language needs and how many of them are recorded."""
    out = []
    for code, _name in settings.LANGUAGES:
        wanted = {n.text for n in needed(code, menu_texts(code))}
        done = set(
            RecordedClip.objects.filter(language=code, text__in=wanted).values_list(
                "text", flat=True
            )
        )
        out.append(Coverage(code, len(wanted), len(done)))
    return out


def synthesize_missing(progress=None) -> dict[str, int]:  # noqa: ANN001 - a callable or None
    """Make every clip not recorded and not yet synthesised, in every language (a process
    per core: espeak-ng and sox do the work); returns how many were made per language."""
    made: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for code, _name in settings.LANGUAGES:
            todo = [
                Piece(code, state.needed.text)
                for state in clips_of(code)
                if not (state.recorded or state.synthesized)
            ]
            made[code] = 0
            for _made in pool.map(clips.synthesize, todo):
                made[code] += 1
                if progress is not None:
                    progress(code, made[code])
    return made


def record(*, language: str, text: str, content: bytes, user: User | None) -> RecordedClip:
    """Keep an operator's recording of ``text`` in ``language``, normalised; from now on
    it is played instead of synthesis. Raises clips.ClipError (nothing kept)."""
    name, length, audio = clips.store_recording(content)
    return RecordedClip.objects.create(
        language=language,
        text=text,
        file_name=name,
        duration_ms=length,
        audio=audio,
        recorded_by=user,
    )


def piece_named(name: str) -> Piece | None:
    """The clip a synthesised file's name was made from, among those the line needs.
    Worked out once per version of the catalogue's names (every clip of four languages:
    a quarter of a second), then a lookup: a name that is no clip costs nothing more."""
    key = "|".join(
        [
            names_version(),
            str(settings.VOICE_ESPEAK_SPEED),
            settings.AGRIPRICES_CURRENCY,
            *(code for code, _name in settings.LANGUAGES),
        ]
    )
    known = _synthesized.get(key)
    if known is None:
        known = {}
        for code, _name in settings.LANGUAGES:
            for item in needed(code, menu_texts(code)):
                piece = Piece(code, item.text)
                known[clips.synthesized_name(piece)] = piece
        _synthesized.clear()  # only the newest version is asked for
        _synthesized[key] = known
    return known.get(name)


#: Every synthesised clip's name in this process, for the newest names' version.
_synthesized: dict[str, dict[str, Piece]] = {}
