"""Where each clip's audio comes from, and the audio files themselves.

In order: an operator's recording (the newest of that text in that language), then, for
English, French and Russian only and only where ``VOICE_SAY_VOICES`` names a voice,
Twilio's ``<Say>``, then speech made on this server by espeak-ng (which has a Kyrgyz
voice; Twilio has none). A clip never synthesised before is made the first time it is
needed, so a crop added to the catalogue is said at once.

Every file is one format (WAV, 8 kHz mono, 16-bit: what a phone line carries) at one
loudness (peaks at -3 dBFS, silence trimmed at both ends so clips join without gaps),
stored under ``VOICE_CLIPS_DIR`` by a digest of its content (recordings) or of
everything that made it (synthesis), and served with a year's cache lifetime: a new
recording is a new name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess  # noqa: S404 - espeak-ng and sox, with argument lists, no shell
import tempfile
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from voice.models import RecordedClip
from voice.phrases import Piece

logger = logging.getLogger(__name__)

#: espeak-ng's voice for each language.
ESPEAK_VOICES = {"en": "en-us", "fr": "fr-fr", "ru": "ru", "ky": "ky"}
#: Languages Twilio's <Say> may speak; never Kyrgyz (no provider has a Kyrgyz voice).
SAY_LANGUAGES = {"en": "en-US", "fr": "fr-FR", "ru": "ru-RU"}
#: sox's effects after reading any input: one format, one loudness, no silence around.
_NORMALISE = [
    "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
]  # fmt: skip
_EFFECTS = [
    "silence", "1", "0.02", "0.3%", "reverse", "silence", "1", "0.02", "0.3%", "reverse",
    "gain", "-n", "-3",
]  # fmt: skip
_NAME = re.compile(r"^[rsj]-[0-9a-f]{24}\.wav$")
#: Bumped when the synthesis or its settings change, so old files are not served for new.
_SYNTHESIS_VERSION = "1"


class ClipError(Exception):
    """An upload that is no usable audio; the message says why, for the form."""


@dataclass(frozen=True)
class Source:
    """How one clip is said: a file to play (``name``), or a ``say`` voice's text."""

    piece: Piece
    name: str = ""
    say_voice: str = ""
    recorded: bool = False


def clips_dir() -> Path:
    return Path(settings.VOICE_CLIPS_DIR)


def path_of(name: str) -> Path | None:
    """The file behind a clip's name, or None for a name that is not one of ours."""
    if not _NAME.match(name):
        return None
    return clips_dir() / name


def sources(pieces: Iterable[Piece]) -> list[Source]:
    """How each piece is said, in order, with one query for the recordings."""
    pieces = list(pieces)
    recorded = newest_recordings(pieces)
    out = []
    for piece in pieces:
        name = recorded.get((piece.language, piece.text))
        if name is not None:
            out.append(Source(piece, name=name, recorded=True))
            continue
        voice = say_voice(piece.language)
        if voice:
            out.append(Source(piece, say_voice=voice))
            continue
        try:
            out.append(Source(piece, name=synthesize(piece)))
        except (OSError, subprocess.SubprocessError) as exc:
            # Said without this clip rather than not at all; the clips page shows it missing.
            logger.error("clip %r (%s) not synthesised: %s", piece.text, piece.language, exc)
            out.append(Source(piece))
    return out


def newest_recordings(pieces: Iterable[Piece]) -> dict[tuple[str, str], str]:
    """The newest recording's file of each piece that has one."""
    pieces = list(pieces)
    if not pieces:
        return {}
    rows = (
        RecordedClip.objects.filter(
            language__in={p.language for p in pieces}, text__in={p.text for p in pieces}
        )
        .order_by("created_at", "pk")
        .values_list("language", "text", "file_name")
    )
    return {(language, text): name for language, text, name in rows}  # newest wins


def say_voice(language: str) -> str:
    """The Twilio voice named for ``language`` in VOICE_SAY_VOICES; never one for a
    language Twilio cannot speak."""
    if language not in SAY_LANGUAGES:
        return ""
    return str(settings.VOICE_SAY_VOICES.get(language, ""))


def synthesized_name(piece: Piece) -> str:
    made_of = "|".join(
        [
            _SYNTHESIS_VERSION,
            ESPEAK_VOICES.get(piece.language, "en-us"),
            str(settings.VOICE_ESPEAK_SPEED),
            piece.language,
            piece.text,
        ]
    )
    return f"s-{hashlib.sha256(made_of.encode()).hexdigest()[:24]}.wav"


def synthesize(piece: Piece) -> str:
    """The synthesised clip's name, made now if it was not made before."""
    name = synthesized_name(piece)
    target = clips_dir() / name
    if target.exists():
        return name
    clips_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=clips_dir()) as work:
        raw = Path(work) / "raw.wav"
        subprocess.run(  # noqa: S603 - fixed program, the text goes in on stdin
            [
                settings.VOICE_ESPEAK,
                "-v",
                ESPEAK_VOICES.get(piece.language, "en-us"),
                "-s",
                str(settings.VOICE_ESPEAK_SPEED),
                "-w",
                str(raw),
                "--stdin",
            ],
            input=piece.text.encode(),
            check=True,
            capture_output=True,
            timeout=30,
        )
        _normalise(raw, "wav", target)
    return name


def _normalise(source: Path, kind: str, target: Path) -> None:
    """Write ``source`` to ``target`` in the line's format and loudness, atomically (two
    processes making the same clip both end with a whole file)."""
    partial = target.with_suffix(f".{os.getpid()}.part")
    try:
        subprocess.run(  # noqa: S603 - fixed program and arguments
            [settings.VOICE_SOX, "-t", kind, str(source), *_NORMALISE, "-t", "wav", str(partial),
             *_EFFECTS],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def duration_ms(path: Path) -> int:
    """A WAV file's length, read from its header."""
    with wave.open(str(path), "rb") as audio:
        return round(audio.getnframes() * 1000 / audio.getframerate())


# --- recordings ------------------------------------------------------------------------


#: The containers a recording may be, by its content, as an operator knows them: what
#: sox reads, and Opus (WhatsApp's and many phone recorders'), which opusdec (Debian's
#: opus-tools) decodes first. M4A (AAC) is recognised to be refused clearly: Debian's
#: decoders for it come with ffmpeg's ninety-odd packages.
KINDS = {"wav": "WAV", "ogg": "OGG", "opus": "Opus", "mp3": "MP3"}
#: The upload field's ``accept``: what a browser or phone offers to pick (by type and
#: name); the content is what is checked.
ACCEPT = "audio/wav,audio/x-wav,audio/ogg,audio/opus,audio/mpeg,.wav,.ogg,.oga,.opus,.mp3"
#: How many first bytes tell a recording's container (an Ogg page names its codec).
HEAD_BYTES = 64


def sniff(head: bytes) -> str | None:
    """The container an upload is, by its first bytes (never by its name or the browser's
    word for it): "wav", "ogg" (Vorbis), "opus", "mp3" or "m4a"; None for anything
    else."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        # The first page holds the codec's header: "OpusHead" or "\x01vorbis".
        return "opus" if b"OpusHead" in head[:HEAD_BYTES] else "ogg"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def kind_of(content: bytes) -> str:
    """The container of an upload we can read; ClipError naming those we read else."""
    kind = sniff(content[:HEAD_BYTES])
    if kind == "m4a":
        raise ClipError(
            _(
                "M4A (AAC) recordings cannot be read here: save or share the recording as "
                "WAV, OGG, Opus or MP3 (most phone recorders offer one of them) and upload "
                "that."
            )
        )
    if kind is None:
        raise ClipError(_("Not a WAV, OGG, Opus or MP3 file."))
    return kind


def store_recording(content: bytes) -> tuple[str, int, bytes]:
    """Check and normalise an upload; returns its clip's name, length in ms and audio.
    Raises ClipError saying what is wrong; nothing is kept then."""
    kind = kind_of(content)
    clips_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=clips_dir()) as work:
        upload = Path(work) / f"upload.{kind}"
        upload.write_bytes(content)
        normalised = Path(work) / "clip.wav"
        try:
            if kind == "opus":
                upload = _decode_opus(upload)
            _normalise(upload, "wav" if kind == "opus" else kind, normalised)
            length = duration_ms(normalised)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, wave.Error, EOFError):
            raise ClipError(
                _("This %(kind)s file could not be read.") % {"kind": KINDS[kind]}
            ) from None
        if length < 100:
            raise ClipError(_("No sound in it: only silence, or under a tenth of a second."))
        if length > settings.VOICE_CLIP_MAX_SECONDS * 1000:
            raise ClipError(
                _("Longer than %(seconds)s seconds: a clip is a word or a sentence.")
                % {"seconds": settings.VOICE_CLIP_MAX_SECONDS}
            )
        audio = normalised.read_bytes()
        name = f"r-{hashlib.sha256(audio).hexdigest()[:24]}.wav"
        target = clips_dir() / name
        if not target.exists():
            shutil.move(normalised, target)
    return name, length, audio


def _decode_opus(upload: Path) -> Path:
    """An Opus recording as a WAV beside it (sox has no Opus decoder)."""
    decoded = upload.with_name("decoded.wav")
    try:
        subprocess.run(  # noqa: S603 - fixed program, our own files
            [settings.VOICE_OPUSDEC, "--quiet", str(upload), str(decoded)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except FileNotFoundError:
        logger.error("%s is not installed: an Opus recording refused", settings.VOICE_OPUSDEC)
        raise ClipError(
            _(
                "Opus recordings cannot be read on this server (opus-tools is not installed): "
                "upload a WAV, OGG or MP3 file."
            )
        ) from None
    return decoded


def restore(name: str) -> Path | None:
    """The file of a clip this host lacks (another web host made it, or the disk is
    new), made again: a recording written from the database, a synthesis made again
    from the text it names. None when the name is no clip the line would play."""
    target = path_of(name)
    if target is None:
        return None
    if name.startswith("r-"):
        audio = RecordedClip.objects.filter(file_name=name).values_list("audio", flat=True).first()
        if audio is None:
            return None
        clips_dir().mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(bytes(audio))
        os.replace(partial, target)
        return target
    if name.startswith("s-"):
        from voice.coverage import piece_named  # the catalogue's clips, read on a miss only

        piece = piece_named(name)
        if piece is None:
            return None
        synthesize(piece)
        return target
    return None


def joined(names: list[str]) -> str:
    """One file of the clips ``names`` one after another (the simulator's player plays a
    whole prompt); made once, named by the list."""
    digest = hashlib.sha256("|".join(names).encode()).hexdigest()[:24]
    name = f"j-{digest}.wav"
    target = clips_dir() / name
    if target.exists() or not names:
        return name if names else ""
    partial = target.with_suffix(f".{os.getpid()}.part")
    try:
        subprocess.run(  # noqa: S603 - fixed program, our own files
            [settings.VOICE_SOX, *(str(clips_dir() / n) for n in names), "-t", "wav",
             str(partial)],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return name


def available() -> bool:
    """Whether this server can synthesise (espeak-ng and sox installed)."""
    return bool(shutil.which(settings.VOICE_ESPEAK) and shutil.which(settings.VOICE_SOX))
