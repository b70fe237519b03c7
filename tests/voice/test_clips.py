"""Clips: an operator's recording is checked by its content, normalised with sox and
played instead of synthesis; a crop added to the catalogue is listed as missing at once
and said by synthesis until recorded; the simulator plays what a caller hears."""

import os
import re
import shutil
import subprocess

import pytest

from agriprices.models import Commodity
from sms_gateway.models import Subscriber
from tests import factories
from tests.voice.conftest import Call, seconds
from voice import clips
from voice.models import RecordedClip
from voice.phrases import Piece

pytestmark = pytest.mark.django_db
SOX = shutil.which("sox") or "sox"


@pytest.fixture
def operator_client(client, demo):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="operator"))
    return client


@pytest.fixture
def recordings(settings, tmp_path):
    settings.VOICE_CLIPS_DIR = tmp_path
    return tmp_path


def tone(tmp_path, kind: str, seconds: float = 0.6) -> bytes:
    """A real sound file made by sox: a tone with silence around it."""
    out = tmp_path / f"tone.{kind}"
    subprocess.run(  # noqa: S603 - sox, fixed arguments
        [SOX, "-n", "-r", "22050", "-c", "2", str(out), "synth", str(seconds), "sine", "440",
         "pad", "0.3", "0.3"],
        check=True,
    )  # fmt: skip
    return out.read_bytes()


def upload(client, content: bytes, *, language="en", text="Osh", name="osh.wav"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/voice-clips/?lang=en",
        {"language": language, "text": text, "audio": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize("kind", ["wav", "ogg", "mp3"])
def test_a_recording_is_normalised_and_preferred_over_synthesis(operator_client, recordings, kind):
    response = upload(operator_client, tone(recordings, kind), name=f"whatever.{kind}")
    assert response.status_code == 302
    recorded = RecordedClip.objects.get()
    stored = operator_client.get(f"/voice/clips/{recorded.file_name}")
    audio = b"".join(stored.streaming_content)
    assert audio[:4] == b"RIFF"
    import io
    import wave

    with wave.open(io.BytesIO(audio)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
    assert 0.5 < seconds(audio) < 0.75  # the silence around it trimmed
    assert abs(recorded.duration_ms - seconds(audio) * 1000) < 5
    source = clips.sources([Piece("en", "Osh")])[0]
    assert source.recorded and source.name == recorded.file_name


def test_the_call_plays_the_recording(client, operator_client, recordings):
    upload(operator_client, tone(recordings, "wav"), text="Welcome to AgriPrices")
    recorded = RecordedClip.objects.get()
    call = Call(client)
    call.start()
    assert call.plays()[0].endswith(f"/voice/clips/{recorded.file_name}")
    assert clips.synthesized_name(Piece("en", "Welcome to AgriPrices")) not in call.plays()[0]


@pytest.mark.parametrize(
    ("content", "text", "field", "error"),
    [
        (b"MZ\x90\x00 not audio at all", "Osh", "audio", "Not a WAV, OGG, Opus or MP3 file."),
        (
            b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 64,
            "Osh",
            "audio",
            "M4A (AAC) recordings cannot be read here: save or share the recording as WAV, "
            "OGG, Opus or MP3",
        ),
        (b"RIFF\x00\x00\x00\x00WAVEbroken", "Osh", "audio", "This WAV file could not be read."),
        (None, "Atlantis", "text", "Not a clip this language needs"),
        ("silence", "Osh", "audio", "No sound in it"),
    ],
)
def test_a_bad_upload_names_the_field_and_keeps_nothing(
    operator_client, recordings, content, text, field, error
):
    if content is None:
        content = tone(recordings, "wav")
    if content == "silence":
        out = recordings / "silence.wav"
        subprocess.run([SOX, "-n", "-r", "8000", str(out), "trim", "0", "1"], check=True)  # noqa: S603
        content = out.read_bytes()
    response = upload(operator_client, content, text=text)
    assert response.status_code == 200
    assert error in response.context["form"].errors[field][0]
    assert not RecordedClip.objects.exists()
    assert not list(recordings.glob("r-*.wav"))


def test_a_new_crop_is_missing_at_once_and_said_by_synthesis(client, operator_client, heard):
    crop = factories.CommodityFactory(name="Quinoa", base_unit=factories.unit("kg"))
    factories.QuoteFactory(commodity=crop, market=factories.MarketFactory(name="Osh"))
    page = operator_client.get("/voice-clips/?lang=en").content.decode()
    assert ">Quinoa</th>" in page
    assert RecordedClip.objects.count() == 0
    call = Call(client)
    call.start()
    call.press("1")
    call.press("1")
    name = clips.synthesized_name(Piece("en", "Quinoa"))
    pages = [call.plays()]
    while not any(p.endswith(name) for p in pages[-1]) and call.twiml.find("Gather") is not None:
        call.press("0")
        pages.append(call.plays())
    assert any(p.endswith(name) for p in pages[-1])
    assert client.get(f"/voice/clips/{name}").status_code == 200


def test_the_clips_page_shows_coverage_per_language(operator_client, recordings):
    upload(operator_client, tone(recordings, "wav"), text="Osh")
    page = operator_client.get("/voice-clips/?lang=en&show=all")
    coverage = {row.language: row for row in page.context["coverage"]}
    assert coverage["en"].recorded == 1 and coverage["ky"].recorded == 0
    assert coverage["en"].needed > 100
    html = page.content.decode()
    assert "/voice/clips/r-" in html and "recorded" in html
    missing = operator_client.get("/voice-clips/?lang=en").context["clips"]
    assert "Osh" not in {c.needed.text for c in missing}


def test_the_clips_page_is_for_operators(client, demo):
    from django.contrib.auth.models import User

    assert client.get("/voice-clips/").status_code == 302
    client.force_login(User.objects.get(username="agent"))
    assert client.get("/voice-clips/").status_code == 403


def test_a_clip_that_is_not_ours_is_not_served(client, demo):
    assert client.get("/voice/clips/../settings.py").status_code == 404
    assert client.get("/voice/clips/s-000000000000000000000000.wav").status_code == 404


def test_the_simulator_plays_the_menus_and_changes_nothing(operator_client):
    first = operator_client.post("/simulator/voice/", {"phone": "+996555000777"})
    assert first.status_code == 200 and "<audio controls autoplay" in first.content.decode()
    steps = first.context["next"]
    data = {
        "phone": "+996555000777",
        "calling": "1",
        "walk": steps.walk,
        "keys": steps.keys,
        "after": "",
    }
    for key in ("1", "3", "1"):  # English, subscribe, the first crop
        page = operator_client.post("/simulator/voice/", {**data, "key": key})
        steps = page.context["next"]
        data = {**data, "walk": steps.walk, "keys": steps.keys, "after": steps.after or ""}
    page = operator_client.post("/simulator/voice/", {**data, "key": "1"})
    assert "You follow" in " ".join(page.context["words"])
    assert not Subscriber.objects.filter(phone="+996555000777").exists()
    assert (
        operator_client.post("/simulator/voice/", {**data, "key": "xx"})
        .context["form"]
        .errors["key"]
    )


def opus(tmp_path) -> bytes:
    """A real Ogg/Opus recording, as WhatsApp and phone recorders make them."""
    opusenc = shutil.which("opusenc")
    if opusenc is None:
        if os.environ.get("AGRIPRICES_REQUIRE_SPEECH"):
            pytest.fail("opus-tools is required (apt-get install opus-tools)")
        pytest.skip("opus-tools is not installed")
    pcm, out = tmp_path / "tone-16bit.wav", tmp_path / "tone.opus"
    subprocess.run(  # noqa: S603 - sox, fixed arguments
        [SOX, "-n", "-r", "48000", "-c", "1", "-b", "16", str(pcm), "synth", "0.6", "sine", "440",
         "pad", "0.3", "0.3"],
        check=True,
    )  # fmt: skip
    subprocess.run([opusenc, "--quiet", str(pcm), str(out)], check=True)  # noqa: S603
    return out.read_bytes()


def test_an_opus_recording_is_accepted_by_its_content(operator_client, recordings):
    content = opus(recordings)
    response = upload(operator_client, content, name="voice-note.bin")
    assert response.status_code == 302, response.context["form"].errors
    recorded = RecordedClip.objects.get()
    assert 0.5 < recorded.duration_ms / 1000 < 0.75
    audio = b"".join(operator_client.get(f"/voice/clips/{recorded.file_name}").streaming_content)
    assert audio[:4] == b"RIFF" and seconds(audio) > 0.5


def test_an_opus_recording_without_opusdec_is_refused_clearly(
    operator_client, recordings, settings
):
    content = opus(recordings)
    settings.VOICE_OPUSDEC = "no-such-opusdec"
    response = upload(operator_client, content, name="voice-note.opus")
    assert response.status_code == 200
    assert "upload a WAV, OGG or MP3 file" in response.context["form"].errors["audio"][0]
    assert not RecordedClip.objects.exists()


def test_the_upload_field_says_which_files_it_takes(operator_client):
    page = operator_client.get("/voice-clips/?lang=en").content.decode()
    field = re.search(r'<input type="file"[^>]*>', page).group()
    accept = re.search(r'accept="([^"]+)"', field).group(1).split(",")
    assert {"audio/wav", "audio/ogg", "audio/opus", "audio/mpeg", ".opus"} <= set(accept)
    assert "Opus" in page


def simulate(client, data, **extra):
    return client.post("/simulator/voice/", {**data, **extra})


def test_the_simulator_refuses_a_letter_and_the_call_stays_where_it_was(operator_client):
    first = operator_client.post("/simulator/voice/", {"phone": "+996555000778"})
    steps = first.context["next"]
    data = {"phone": "+996555000778", "calling": "1", "walk": steps.walk, "keys": steps.keys}
    english = simulate(operator_client, data, key="1")
    steps = english.context["next"]
    data = {**data, "keys": steps.keys}
    for typed in ("a", "", " "):
        page = simulate(operator_client, data, key=typed)
        assert page.context["form"].errors["key"], typed
        assert page.context["words"] == english.context["words"]  # its menu said again
        assert page.context["player"]
        again = page.context["next"]
        assert (again.walk, again.keys) == (steps.walk, steps.keys)  # still in the call
        html = page.content.decode()
        assert 'name="calling" value="1"' in html and "0 to 9, * or #" in html


def test_the_simulator_simulates_silence_until_goodbye(operator_client):
    first = operator_client.post("/simulator/voice/", {"phone": "+996555000779"})
    steps = first.context["next"]
    data = {"phone": "+996555000779", "calling": "1", "walk": steps.walk, "keys": steps.keys}
    english = simulate(operator_client, data, key="1")
    words = english.context["words"]
    silent = english.context["silent"]
    for _time in range(2):  # the menu said again twice
        page = simulate(operator_client, data | {"keys": "1", "silent": silent}, action="silence")
        assert page.context["words"] == words
        silent = page.context["silent"]
    page = simulate(operator_client, data | {"keys": "1", "silent": silent}, action="silence")
    assert " ".join(page.context["words"]).startswith("Thank you for calling")
    assert page.context["over"] and 'href="/simulator/voice/"' in page.content.decode()


def test_the_simulators_key_field_is_numeric_and_the_page_links_back(operator_client):
    page = operator_client.post("/simulator/voice/", {"phone": "+996555000780"})
    html = page.content.decode()
    field = re.search(r'<input type="text" name="key"[^>]*>', html).group()
    assert 'inputmode="tel"' in field and 'maxlength="1"' in field
    assert 'pattern="[0-9*#]"' in field
    assert 'name="action" value="silence"' in html
    for back in ("/simulator/", "/simulator/ussd/", "/simulator/voice/"):
        assert f'href="{back}"' in html


def test_voice_clips_command_lists_what_is_missing(demo, capsys):
    from django.core.management import call_command

    call_command("voice_clips", "--missing", "ky")
    out = capsys.readouterr().out
    assert "Ош" in out and "crop" in out
    call_command("voice_clips")
    assert "Voice clips ky: 0/" in capsys.readouterr().out
    assert Commodity.objects.exists()


def test_a_host_without_a_clips_file_makes_it_again(operator_client, recordings):
    """Several web hosts, or a new disk: a recording is written back from the database,
    a synthesis made again from the text its name stands for."""
    upload(operator_client, tone(recordings, "wav"), text="Osh")
    recorded = RecordedClip.objects.get()
    first = b"".join(operator_client.get(f"/voice/clips/{recorded.file_name}").streaming_content)
    (recordings / recorded.file_name).unlink()
    again = operator_client.get(f"/voice/clips/{recorded.file_name}")
    assert b"".join(again.streaming_content) == first
    welcome = clips.synthesized_name(Piece("ky", "АгриПрайска кош келиңиз"))
    assert not (recordings / welcome).exists()
    made = operator_client.get(f"/voice/clips/{welcome}")
    assert made.status_code == 200 and seconds(b"".join(made.streaming_content)) > 0.5


def test_the_simulator_pages_as_long_as_a_call_may(operator_client, heard):
    """An operator paging back and forth through the crops (more keys than the old form
    held) is still in the call, and then reaches the markets."""
    phone = "+996555000781"
    first = operator_client.post("/simulator/voice/", {"phone": phone})
    steps = first.context["next"]
    data = {"phone": phone, "calling": "1", "walk": steps.walk, "keys": steps.keys}
    for key in ["1", "1"] + ["0", "*"] * 30 + ["1"]:  # English, prices, paging, a crop
        page = simulate(operator_client, data, key=key)
        assert not page.context["form"].errors, (key, page.context["form"].errors)
        steps = page.context["next"]
        data = {**data, "walk": steps.walk, "keys": steps.keys}
    assert len(steps.keys) > 60
    assert " ".join(page.context["words"]).startswith("Choose a market")
