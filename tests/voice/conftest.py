import io
import itertools
import os
import wave
import xml.etree.ElementTree as ET

import pytest
from twilio.request_validator import RequestValidator

from tests.sms_gateway.conftest import TWILIO_TOKEN, _demo_catalogue, demo  # noqa: F401
from voice import clips
from voice.menus import menu_texts
from voice.phrases import Piece, needed

calls = itertools.count(1)
numbers = (f"+99670055{n:04d}" for n in itertools.count())


@pytest.fixture(autouse=True)
def _speech():
    # espeak-ng and sox come from the distribution (.ci/run installs them); CI sets
    # AGRIPRICES_REQUIRE_SPEECH so that their absence fails instead of skipping.
    if not clips.available():
        if os.environ.get("AGRIPRICES_REQUIRE_SPEECH"):
            pytest.fail("espeak-ng and sox are required (apt-get install espeak-ng sox)")
        pytest.skip("espeak-ng or sox is not installed")


@pytest.fixture(autouse=True)
def _voice_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_PUBLIC_BASE_URL = ""
    # Synthesised clips stay in VOICE_CLIPS_DIR (var/voice-clips, ignored by git), where
    # seed_demo made them: named by everything that made them, they are shared safely
    # between runs and workers. Recordings go to a directory of the test's own.
    settings.VOICE_SAY_VOICES = {}
    settings.VOICE_CALLBACK = False
    settings.VOICE_BACKEND = "voice.backends.LocmemCallBackend"
    settings.SMS_BACKEND = "sms_gateway.backends.locmem.LocmemBackend"
    from sms_gateway.backends import locmem
    from voice import backends

    locmem.outbox.clear()
    backends.calls.clear()


def seconds(content: bytes) -> float:
    """A WAV file's length, measured from its samples."""
    with wave.open(io.BytesIO(content), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


class Call:
    """One call as Twilio drives it: each request signed by the real RequestValidator,
    each key posted to the URL the last <Gather> named."""

    def __init__(self, client, phone=None, sid=None, direction="inbound"):
        self.client, self.phone = client, phone or next(numbers)
        self.sid = sid or f"CA{next(calls):032d}"
        self.direction = direction
        self.twiml: ET.Element | None = None
        self.url = "http://testserver/voice/twilio/"

    def params(self, digits=None):
        ours, theirs = "+996312900900", self.phone
        caller = (ours, theirs) if self.direction.startswith("outbound") else (theirs, ours)
        params = {
            "CallSid": self.sid,
            "AccountSid": "AC" + "0" * 32,
            "From": caller[0],
            "To": caller[1],
            "Direction": self.direction,
            "CallStatus": "in-progress",
        }
        if digits is not None:
            params["Digits"] = digits
        return params

    def post(self, url, digits=None, token=TWILIO_TOKEN, signature=None):
        params = self.params(digits)
        signature = signature or RequestValidator(token).compute_signature(url, params)
        return self.client.post(
            url.removeprefix("http://testserver"), params, HTTP_X_TWILIO_SIGNATURE=signature
        )

    def answer(self, response) -> ET.Element:
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/xml"
        self.twiml = ET.fromstring(response.content)  # noqa: S314 - our own TwiML
        return self.twiml

    def start(self) -> ET.Element:
        return self.answer(self.post(self.url))

    def keys(self, *digits: str) -> ET.Element:
        """The call from its first prompt, each of ``digits`` pressed in turn (the
        language's key first): the answer after the last."""
        self.start()
        for digit in digits:
            self.press(digit)
        return self.twiml

    def press(self, digit: str) -> ET.Element:
        gather = self.twiml.find("Gather")
        assert gather is not None, ET.tostring(self.twiml)
        self.last = (gather.get("action"), digit)
        return self.answer(self.post(gather.get("action"), digit))

    def resend(self) -> ET.Element:
        return self.answer(self.post(*self.last))

    def silence(self) -> ET.Element:
        redirect = self.twiml.find("Redirect")
        assert redirect is not None
        return self.answer(self.post(redirect.text))

    def plays(self) -> list[str]:
        return [play.text for play in self.twiml.iter("Play")]

    def says(self) -> list[ET.Element]:
        return list(self.twiml.iter("Say"))


class Heard:
    """What a list of clip URLs says, read back through the catalogue's clips."""

    def __init__(self):
        self.names: dict[str, str] = {}

    def of(self, language):
        for item in needed(language, menu_texts(language)):
            self.names[clips.synthesized_name(Piece(language, item.text))] = item.text
        return self

    def words(self, urls) -> str:
        return " | ".join(self.names.get(url.rsplit("/", 1)[1], "?") for url in urls)


@pytest.fixture
def heard(demo):  # noqa: F811 - the fixture imported above, as an argument
    # ``demo`` named here, not fetched inside: a module fixture first set up from within
    # a function fixture is seeded inside that test's transaction, and rolled back with it.
    h = Heard()
    for language in ("en", "fr", "ru", "ky"):
        h.of(language)
    return h
