"""System checks of the voice line (``manage.py check``, run at every start)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def callback_url(**kwargs: Any) -> list[checks.CheckMessage]:
    """A callback is Twilio calling the farmer and fetching what to say from our public
    URL: without TWILIO_PUBLIC_BASE_URL none can be placed, and every call would be
    answered at the caller's cost instead. An error in production, a warning in DEBUG
    (the demo runs without Twilio)."""
    if not settings.VOICE_CALLBACK or settings.TWILIO_PUBLIC_BASE_URL:
        return []
    kind = checks.Warning if settings.DEBUG else checks.Error
    return [
        kind(
            "VOICE_CALLBACK is on but TWILIO_PUBLIC_BASE_URL is not set: no callback can be "
            "placed (Twilio fetches what to say from that address).",
            hint="Set TWILIO_PUBLIC_BASE_URL to the address Twilio reaches this service at, "
            "e.g. https://prices.example.org, or set VOICE_CALLBACK=false.",
            id="voice.E001" if kind is checks.Error else "voice.W001",
        )
    ]


@checks.register(checks.Tags.compatibility)
def say_voices(**kwargs: Any) -> list[checks.CheckMessage]:
    """A voice named for a language Twilio cannot speak (Kyrgyz) is never used: that
    language is played from clips. Said at start, so the setting is not taken for done."""
    from voice.clips import SAY_LANGUAGES

    ignored = sorted(set(settings.VOICE_SAY_VOICES) - set(SAY_LANGUAGES))
    if not ignored:
        return []
    return [
        checks.Warning(
            f"VOICE_SAY_VOICES names a voice for {', '.join(ignored)}, which Twilio's <Say> "
            "cannot speak: those languages are played from recorded or synthesised clips.",
            hint=f"Remove {', '.join(ignored)} from VOICE_SAY_VOICES; "
            f"<Say> serves {', '.join(sorted(SAY_LANGUAGES))} only.",
            id="voice.W002",
        )
    ]
