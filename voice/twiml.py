"""Replies as TwiML: each clip a <Play> of its file (or, where a Twilio voice is named
for the language, the words in one <Say>), inside a <Gather> of one key when a key is
awaited, so a caller who knows the menu presses it at once. Silence is followed by a
<Redirect> that says the menu again (``Place.silent`` counts how often)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from twilio.twiml.voice_response import Gather, VoiceResponse

from voice import clips

if TYPE_CHECKING:
    from voice.phrases import Utterance
    from voice.services import Place, Reply


def reject() -> str:
    """Refuse the call before it is answered: the caller pays nothing."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


def place_url(base_url: str, place: Place) -> str:
    params = {"w": place.walk, "a": place.keys, "n": str(place.silent)}
    if place.after is not None:
        params = {"f": place.after, "n": str(place.silent)}
    return f"{base_url.rstrip('/')}/voice/twilio/?{urlencode(params)}"


def clip_url(base_url: str, name: str) -> str:
    return f"{base_url.rstrip('/')}/voice/clips/{name}"


def render(reply: Reply, *, base_url: str) -> str:
    response = VoiceResponse()
    if reply.gather is not None:
        gather = Gather(
            num_digits=1,
            action=place_url(base_url, reply.gather),
            method="POST",
            timeout=settings.VOICE_GATHER_SECONDS,
            finish_on_key="",
        )
        _speak(gather, reply.said, base_url)
        response.append(gather)
        again = replace(reply.gather, silent=reply.silent + 1)
        response.redirect(place_url(base_url, again), method="POST")
    else:
        _speak(response, reply.said, base_url)
        if reply.hangup:
            response.hangup()
    return str(response)


def _speak(verb: VoiceResponse | Gather, said: Utterance, base_url: str) -> None:
    """The clips in order; consecutive words for one Twilio voice go in one <Say>, each
    with the break written after it (a clip is said without punctuation, but a voice
    reading words runs them into one sentence without it)."""
    words: list[str] = []
    voice = ""
    language = ""

    def flush() -> None:
        if words:
            verb.say(" ".join(words), voice=voice, language=clips.SAY_LANGUAGES[language])
            words.clear()

    for source in clips.sources(said):
        if source.say_voice:
            if source.say_voice != voice:
                flush()
            voice, language = source.say_voice, source.piece.language
            words.append(source.piece.text + source.piece.end)
            continue
        flush()
        if source.name:
            verb.play(clip_url(base_url, source.name))
    flush()
