"""The voice line's clips: how much of each language is recorded, which are missing, and
speech made offline with espeak-ng for every clip not recorded."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from voice import clips, coverage


class Command(BaseCommand):
    help = (
        "List the voice line's clips per language (recorded / needed), the clips a language "
        "lacks (--missing ky), or make the speech of every clip not recorded with espeak-ng "
        "(--synthesize; the first call needing a clip would make it otherwise)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--synthesize", action="store_true", help="make every clip not yet made"
        )
        parser.add_argument(
            "--missing", metavar="LANG", help="list the clips LANG has no recording of"
        )
        parser.add_argument(
            "--if-available",
            action="store_true",
            help="with --synthesize: only warn when espeak-ng or sox is missing (seed_demo)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        languages = [code for code, _ in settings.LANGUAGES]
        if options["missing"]:
            if options["missing"] not in languages:
                raise CommandError(f"--missing: one of {', '.join(languages)}")
            for state in coverage.clips_of(options["missing"]):
                if not state.recorded:
                    self.stdout.write(f"{state.needed.kind:<7} {state.needed.text}")
            return
        if options["synthesize"]:
            if not clips.available():
                missing = (
                    f"{settings.VOICE_ESPEAK} or {settings.VOICE_SOX} is not installed "
                    "(Debian: apt-get install espeak-ng sox libsox-fmt-mp3)"
                )
                if not options["if_available"]:
                    raise CommandError(missing)
                self.stderr.write(self.style.WARNING(f"Voice clips not made: {missing}"))
                return
            started = time.monotonic()

            def progress(language: str, done: int) -> None:
                if done % 50 == 0:
                    self.stderr.write(f"\r  {language}: {done} clips made…", ending="")

            made = coverage.synthesize_missing(progress)
            self.stderr.write("")
            summary = ", ".join(f"{code} {count}" for code, count in made.items())
            self.stdout.write(
                f"Voice clips synthesised: {summary} ({time.monotonic() - started:.1f} s)"
            )
        for row in coverage.coverage():
            self.stdout.write(
                f"Voice clips {row.language}: {row.recorded}/{row.needed} recorded "
                f"({row.percent} %), the rest synthesised"
            )
