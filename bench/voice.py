"""The voice line (`python -m bench voice`):

- the TwiML answer's latency, p50 and p99, for callers walking the menus (each request a
  call of its own, from 5,000 numbers) served by gunicorn from the bench data set while
  a second load process asks the latest-prices API (goal p99 ≤ 50 ms);
- how long a caller listens from the first prompt to a price, per language, summed from
  the clips' real durations (the demo catalogue, espeak-ng's clips), pressing each key
  as soon as it is said (goal ≤ 25 s), and hearing each menu to its end (what a first
  caller does, and what a callback costs);
- how long espeak-ng and sox take to make every clip of the demo catalogue in four
  languages, from nothing.

The demo figures are measured in a process of their own, on a scratch SQLite demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.api import (
    ROOT,
    TWILIO_TOKEN,
    flush_cache,
    load,
    load_in_background,
    start_gunicorn,
)

Row = tuple[str, str, str]
CALLS = 3000


def run(url: str) -> list[Row]:
    rows = _demo_figures()
    from agriprices.models import Commodity
    from voice import coverage

    started = time.monotonic()
    made = sum(coverage.synthesize_missing().values())
    rows.append(
        (
            "clips of the bench catalogue made before the load",
            f"{made} in {time.monotonic() - started:.0f} s",
            "—",
        )
    )
    latest = [
        f"/api/v1/prices/latest/?commodity={s}"
        for s in Commodity.objects.values_list("slug", flat=True)
    ]
    flush_cache()
    server = start_gunicorn(url, extra_env={"VOICE_CLIPS_DIR": str(_clips_dir())})
    try:
        api_load = load_in_background(latest, 6000)
        calls = load(["/voice/twilio/"], CALLS, 2, "--voice-token", TWILIO_TOKEN)
        beside = json.loads(api_load.communicate(timeout=900)[0])
    finally:
        server.terminate()
        server.wait(timeout=30)
    if calls["statuses"] != {"200": CALLS} and calls["statuses"] != {200: CALLS}:
        raise SystemExit(f"voice webhook answered {calls['statuses']}")
    rows.append(
        (
            f"TwiML answer, {CALLS} menu steps, latest-prices load beside",
            f"p50 {calls['p50_ms']} ms, p99 {calls['p99_ms']} ms ({calls['rps']}/s)",
            "p99 ≤ 50 ms",
        )
    )
    rows.append(
        (
            "  the latest-prices load at the same time",
            f"p50 {beside['p50_ms']} ms, p99 {beside['p99_ms']} ms ({beside['rps']}/s)",
            "—",
        )
    )
    return rows


def _clips_dir() -> Path:
    from django.conf import settings

    return Path(settings.VOICE_CLIPS_DIR)


def _demo_figures() -> list[Row]:
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{scratch}/demo.sqlite3",
            "VOICE_CLIPS_DIR": f"{scratch}/clips",
            "DEBUG": "true",
            "CACHE_URL": "locmemcache://",
            "LOG_LEVEL": "WARNING",
        }
        out = subprocess.run(
            [sys.executable, "-m", "bench.voice"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    rows: list[Row] = [
        (
            f"clip synthesis, demo catalogue, 4 languages ({figures['clips']} clips)",
            f"{figures['synthesis_s']} s",
            "—",
        )
    ]
    for language, seconds in figures["heard"].items():
        rows.append(
            (
                f"heard from the first prompt to a price, {language}",
                f"{seconds:.1f} s (returning caller {figures['returning'][language]:.1f} s)",
                "≤ 25 s",
            )
        )
    for language, seconds in figures["heard_in_full"].items():
        rows.append(
            (
                f"  each menu heard to its end, {language}",
                f"{seconds:.1f} s (returning caller "
                f"{figures['returning_in_full'][language]:.1f} s)",
                "—",
            )
        )
    return rows


def _measure_demo() -> dict:
    """In the scratch demo process: seed, synthesise every clip, walk to a price."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command

    from voice import coverage

    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", "--days", "60", "--no-users", "--no-voice", stdout=StringIO())
    started = time.monotonic()
    made = coverage.synthesize_missing()
    synthesis = time.monotonic() - started
    settings.ALLOWED_HOSTS = ["testserver"]
    heard, returning, in_full, returning_in_full = {}, {}, {}, {}
    for index, (language, _name) in enumerate(settings.LANGUAGES, 1):
        heard[language] = _listen(f"+99670099{index:04d}", [str(index), "1", "1", "1"], "en")
        returning[language] = _listen(f"+99670099{index:04d}", ["1", "1", "1"], language)
        first, keys = f"+99670098{index:04d}", [str(index), "1", "1", "1"]
        in_full[language] = _listen(first, keys, "en", at_once=False)
        returning_in_full[language] = _listen(first, ["1", "1", "1"], language, at_once=False)
    return {
        "clips": sum(made.values()),
        "synthesis_s": round(synthesis, 1),
        "heard": heard,
        "returning": returning,
        "heard_in_full": in_full,
        "returning_in_full": returning_in_full,
    }


def _listen(phone: str, keys: list[str], language: str, *, at_once: bool = True) -> float:
    """Seconds of audio a caller hears pressing ``keys``, each as soon as its number is
    said (the clips up to the first naming it; with ``at_once`` false, once the whole
    menu is said), then the answer up to the choices that follow it ("To get this by
    SMS, press one")."""
    import xml.etree.ElementTree as ET

    from django.conf import settings
    from django.test import Client
    from twilio.request_validator import RequestValidator

    from agriprices import spoken
    from voice import clips, phrases

    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    client = Client()
    sid = f"CAlisten{time.time_ns()}"
    url, total = "http://testserver/voice/twilio/", 0.0
    for step, key in enumerate([None, *keys]):
        params = {"CallSid": sid, "From": phone, "To": "+996312900900", "Direction": "inbound"}
        if key is not None:
            params["Digits"] = key
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
        response = client.post(
            url.removeprefix("http://testserver"), params, HTTP_X_TWILIO_SIGNATURE=signature
        )
        twiml = ET.fromstring(response.content)  # noqa: S314 - our own TwiML
        names = [p.text.rsplit("/", 1)[1] for p in twiml.iter("Play")]
        durations = [clips.duration_ms(clips.clips_dir() / n) / 1000 for n in names]
        if step == len(keys):  # the answer, up to what may be pressed after it
            after = {p.text for p in phrases.after_answer(language, sms=True)}
            said = [_text_of(n) for n in names]
            end = next((i for i, w in enumerate(said) if w in after), len(said))
            total += sum(durations[:end])
            break
        nxt = keys[step]
        if step == 0 and len(keys) == 4:  # the language menu: each language says its digit
            language = [code for code, _ in settings.LANGUAGES][int(nxt) - 1]
        said = [_text_of(n) for n in names]
        digit_word = spoken.number(int(nxt), language)
        cut = next((i for i, w in enumerate(said) if w == digit_word), len(said) - 1)
        total += sum(durations[: cut + 1] if at_once else durations)
        url = twiml.find("Gather").get("action")
    return round(total, 1)


_TEXTS: dict[str, str] = {}


def _text_of(name: str) -> str:
    if not _TEXTS:
        from django.conf import settings

        from voice import clips
        from voice.menus import menu_texts
        from voice.phrases import Piece, needed

        for code, _ in settings.LANGUAGES:
            for item in needed(code, menu_texts(code)):
                _TEXTS[clips.synthesized_name(Piece(code, item.text))] = item.text
    return _TEXTS.get(name, "")


if __name__ == "__main__":
    print(json.dumps(_measure_demo()))
    sys.exit(0)
