"""Collect keys: a key per phone in the server URL, no password on the phone. Every
OpenRosa endpoint works under a key as under Basic; a revoked, expired or unknown key is
refused at once and counts toward the login throttle; the token is shown once and kept
nowhere in clear."""

import base64
import io
import json
import logging
import re
import zlib
from datetime import timedelta
from xml.etree import ElementTree as ET  # noqa: S405 - our own server's answers

import pytest
import segno
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from agriprices.audit.models import AuditAction, AuditEvent
from agriprices.models import Quote
from config.logs import JsonFormatter, PhoneMaskFilter, RequestIdFilter
from openrosa import keys, views
from openrosa.models import CollectKey
from tests import factories
from tests.openrosa.test_collect import RESPONSE, Collect

pytestmark = pytest.mark.django_db


def issued(agent, name="Aibek's Samsung", **kwargs):
    return keys.issue_key(agent=agent, name=name, by=agent, **kwargs)


def message_of(response):
    return ET.fromstring(response.content).find(f"{{{RESPONSE}}}message").text  # noqa: S314


def test_a_phone_with_a_key_does_all_collect_does_without_a_password(client, field, today):
    token = issued(field).token
    collect = Collect(client, key=token)
    entry = collect.form_list()[0]
    # The form, its manifest and its media are offered under the same key.
    for url in (entry["downloadUrl"], entry["manifestUrl"]):
        assert url.startswith(f"https://testserver/openrosa/key/{token}/")
    form, media = collect.download(entry)
    assert "medians.csv" in media
    head = collect.head_submission()
    assert head.status_code == 204 and head["X-OpenRosa-Accept-Content-Length"]
    response, message = collect.send(form, prices=[("potatoes", "kg", "31")])
    assert response.status_code == 201, message
    assert message == "Thank you: 1 price recorded at Osh."
    assert Quote.objects.get(observed_on=today, source="collect").agent == field


def test_the_same_form_by_key_and_by_basic_is_recorded_once(client, field):
    by_key = Collect(client, key=issued(field).token)
    form = by_key.blank_form()
    instance = Collect.fill(
        form,
        market="osh",
        observed_on=timezone.localdate().isoformat(),
        prices=[("potatoes", "kg", "31")],
        instance_id="uuid:same",
    )
    assert by_key.submit(instance)[0].status_code == 201
    again, message = Collect(client).submit(instance)
    assert message == "Already received; nothing changed."
    assert Quote.objects.filter(source="collect").count() == 1


ENDPOINTS = [
    ("get", "formList"),
    ("get", "forms/prices/form.xml"),
    ("get", "forms/prices/manifest"),
    ("get", "forms/prices/medians.csv"),
    ("head", "submission"),
    ("post", "submission"),
]


def _call(client, method, path):
    return getattr(client, method)(path, secure=True, HTTP_X_OPENROSA_VERSION="1.0")


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("state", ["unknown", "revoked", "expired"])
def test_a_dead_key_is_refused_on_every_endpoint(client, field, method, path, state):
    key = issued(field)
    token = key.token
    if state == "unknown":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    elif state == "revoked":
        keys.revoke_key(key_id=key.key.pk, by=field)
    else:
        CollectKey.objects.filter(pk=key.key.pk).update(expires_at=timezone.now())
    response = _call(client, method, f"/openrosa/key/{token}/{path}")
    assert response.status_code == 401
    if method != "head":
        assert message_of(response) == (
            "This phone's key is unknown, revoked or expired. Ask for a new one."
        )
    assert not Quote.objects.filter(source="collect").exists()


def test_a_revoked_key_is_refused_from_its_very_next_request(client, field):
    key = issued(field)
    collect = Collect(client, key=key.token)
    assert collect.get(f"{collect.base}/formList").status_code == 200
    keys.revoke_key(key_id=key.key.pk, by=field)
    assert collect.get(f"{collect.base}/formList").status_code == 401
    # Another phone's key goes on working.
    other = Collect(client, key=issued(field, name="Old Nokia").token)
    assert other.get(f"{other.base}/formList").status_code == 200


def test_one_phone_retrying_a_dead_key_locks_no_live_key_out_of_its_address(
    client, field, settings, today
):
    """A telecentre's phones share one public address: a revoked key retried there
    counts toward the address's lock, which stops unknown keys and passwords, but a live
    key is served whatever that count."""
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    given_up = issued(field, name="Lost phone")
    keys.revoke_key(key_id=given_up.key.pk, by=field)
    live = Collect(client, key=issued(field).token)
    form = live.blank_form()
    for _attempt in range(3):
        assert _call(client, "get", f"/openrosa/key/{given_up.token}/formList").status_code == 401
    # The address is locked now, for dead keys and for passwords...
    for locked in (
        _call(client, "head", f"/openrosa/key/{given_up.token}/submission"),
        _call(client, "get", "/openrosa/key/guessxxxxxxxxxxxxxxxxx/formList"),
        Collect(client).get("/openrosa/formList"),
    ):
        assert locked.status_code == 403
    assert message_of(Collect(client).get("/openrosa/formList")) == (
        "Too many failed logins. Wait a few minutes, then try again."
    )
    # ...and the live key goes on: its form list, and a form sent.
    assert live.get(f"{live.base}/formList").status_code == 200
    response, message = live.send(form, prices=[("potatoes", "kg", "31")])
    assert response.status_code == 201, message
    assert Quote.objects.get(observed_on=today, source="collect").agent == field
    refused = AuditEvent.objects.filter(action=AuditAction.COLLECT_KEY_REFUSED)
    assert refused.count() == 3
    assert all(given_up.token not in f"{e.subject} {e.detail}" for e in refused)


@pytest.mark.parametrize(
    ("required", "enrolled"),
    [(True, False), (True, True), (False, True)],
    ids=["must-enrol", "enrolled", "enrolled-by-choice"],
)
def test_a_password_alone_does_not_open_collect_for_an_account_with_a_second_factor(
    client, field, settings, required, enrolled
):
    settings.REQUIRE_TWO_FACTOR = required
    boss = factories.operator("nurlan")
    if enrolled:
        TOTPDevice.objects.create(user=boss, name="authenticator", confirmed=True)
    by_password = Collect(client, username="nurlan")
    answers = [
        by_password.get("/openrosa/formList"),
        by_password.head_submission(),
        by_password.submit(b"<data/>")[0],
    ]
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert message_of(answers[0]) == (
        "This account signs in with a second factor, so its password alone cannot open "
        "Collect. Give this phone a Collect key instead: sign in at "
        "https://testserver/openrosa/setup/ and issue one, then scan its QR code."
    )
    assert not Quote.objects.filter(source="collect").exists()
    refused = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor=boss)
    assert refused.count() == 3 and "second factor" in refused.first().detail
    # A wrong password is still only that.
    wrong = Collect(client, username="nurlan", password="nope").get("/openrosa/formList")
    assert wrong.status_code == 401
    assert message_of(wrong) == "Wrong username or password."
    # The same account's phone with a key works.
    assert Collect(client, key=issued(boss, name="Nurlan's tablet").token).form_list()


def test_the_setup_page_offers_basic_only_to_accounts_a_password_signs_in(client, field):
    boss = factories.operator("nurlan")
    device = TOTPDevice.objects.create(user=boss, name="authenticator", confirmed=True)
    client.force_login(field)
    page = client.get("/openrosa/setup/", secure=True).content.decode()
    assert "may log in with your username and password" in page
    client.force_login(boss)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # its code given
    session.save()
    page = client.get("/openrosa/setup/", secure=True).content.decode()
    assert "may log in with your username and password" not in page
    assert "its password alone cannot open Collect: give each phone a key above." in page


@pytest.mark.parametrize("who", ["agent", "operator-not-required"])
def test_basic_stays_for_accounts_a_password_signs_in(client, field, settings, who):
    settings.REQUIRE_TWO_FACTOR = who == "agent"
    username = "aibek" if who == "agent" else factories.operator("nurlan").username
    assert Collect(client, username=username).form_list()


def test_keys_need_https_like_passwords(client, field):
    response = client.get(f"/openrosa/key/{issued(field).token}/formList", secure=False)
    assert response.status_code == 403
    assert "https://" in message_of(response)


def test_an_agent_no_longer_recording_is_refused_by_key(client, field):
    token = issued(field).token
    field.groups.clear()
    response = _call(client, "get", f"/openrosa/key/{token}/formList")
    assert response.status_code == 403
    assert message_of(response) == "This account may not record prices."


def test_the_token_is_kept_nowhere_in_clear(client, field, caplog):
    key = issued(field)
    token = key.key, key.token
    row = CollectKey.objects.filter(pk=token[0].pk).values().get()
    assert token[1] not in json.dumps(row, default=str)
    assert len(token[1]) >= 43  # 256 bits in URL-safe base64
    assert row["token_sha256"] == keys.token_hash(token[1])
    # Used, refused after revocation: Django logs the 401 with its path.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(PhoneMaskFilter())
    logging.getLogger().addHandler(handler)
    try:
        with caplog.at_level(logging.INFO):
            _call(client, "get", f"/openrosa/key/{token[1]}/formList")
            keys.revoke_key(key_id=token[0].pk, by=field)
            _call(client, "get", f"/openrosa/key/{token[1]}/formList")
    finally:
        logging.getLogger().removeHandler(handler)
    written = stream.getvalue()
    assert "/openrosa/key/[key]/formList" in written
    assert token[1] not in written
    for event in AuditEvent.objects.all():
        assert token[1] not in f"{event.subject} {event.detail}"


def _issue_on_page(client, data):
    page = client.post("/openrosa/keys/new/", data, secure=True)
    return page, page.content.decode()


def test_the_setup_page_issues_a_key_shown_once_in_a_qr_code(client, field):
    client.force_login(field)
    setup = client.get("/openrosa/setup/", secure=True).content.decode()
    request_id = re.search(r'name="request_id" value="([0-9a-f]+)"', setup).group(1)
    response, page = _issue_on_page(
        client, {"name": "Aibek's Samsung", "expires": "", "request_id": request_id}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    url = re.search(r'<code class="key-url">([^<]+)</code>', page).group(1)
    token = url.rsplit("/", 1)[1]
    assert url == f"https://testserver/openrosa/key/{token}"
    # The QR code is Collect's settings: the key's URL as the server, nothing else.
    payload = views.collect_settings(server=url)
    read = json.loads(zlib.decompress(base64.b64decode(payload)))
    assert read["general"] == {"server_url": url}
    assert "password" not in json.dumps(read) and "username" not in json.dumps(read)
    drawn = segno.make(payload, error="l", micro=False).svg_inline(scale=4)
    assert drawn.split("<path")[1] in page
    # The phone works with it; the token is shown nowhere again.
    assert Collect(client, key=token).form_list()
    listing = client.get("/openrosa/setup/", secure=True).content.decode()
    assert token not in listing and "Aibek&#x27;s Samsung" in listing
    # A double tap on Issue, or the form sent again, makes no second key.
    again, _page = _issue_on_page(
        client, {"name": "Aibek's Samsung", "expires": "", "request_id": request_id}
    )
    assert again.status_code == 302 and CollectKey.objects.count() == 1
    assert token not in client.get(again["Location"], secure=True).content.decode()


@pytest.mark.parametrize(
    ("data", "field_name", "said"),
    [
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "x" * 81}, "name", "at most 80 characters"),
        ({"name": "Phone", "expires": "7"}, "expires", "Select a valid choice"),
        ({"name": "Phone", "request_id": ""}, "request_id", "reload the page"),
    ],
)
def test_a_bad_key_request_says_why_and_issues_nothing(client, field, data, field_name, said):
    client.force_login(field)
    response, page = _issue_on_page(client, {"expires": "", "request_id": "r1", **data})
    assert response.status_code == 400
    assert said in page
    assert not CollectKey.objects.exists()


def test_an_operator_issues_and_lists_every_agents_keys(client, field, db):
    boss = factories.operator("nurlan")
    client.force_login(boss)
    response, page = _issue_on_page(
        client, {"agent": field.pk, "name": "Shared tablet", "expires": "90", "request_id": "o1"}
    )
    assert response.status_code == 200
    key = CollectKey.objects.get()
    assert key.user == field and key.created_by == boss
    assert timedelta(days=89) < key.expires_at - timezone.now() <= timedelta(days=90)
    token = re.search(r'<code class="key-url">[^<]+/key/([^<]+)</code>', page).group(1)
    Collect(client, key=token).form_list()
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_address == "127.0.0.1"
    listing = client.get("/openrosa/keys/", secure=True).content.decode()
    assert "Shared tablet" in listing and "aibek" in listing and "127.0.0.1" in listing
    revoked = client.post(
        f"/openrosa/keys/{key.pk}/revoke/", {"next": "/openrosa/keys/"}, secure=True
    )
    assert revoked["Location"] == "/openrosa/keys/"
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == boss


def test_an_agent_cannot_touch_another_agents_keys(client, field, bishkek):
    other = factories.agent(markets=[bishkek], username="bolot")
    theirs = issued(other)
    client.force_login(field)
    client.post(f"/openrosa/keys/{theirs.key.pk}/revoke/", secure=True)
    theirs.key.refresh_from_db()
    assert theirs.key.revoked_at is None
    # An agent who sends an agent field still issues for themselves only.
    _issue_on_page(client, {"agent": other.pk, "name": "Mine", "expires": "", "request_id": "a"})
    assert CollectKey.objects.get(name="Mine").user == field
    assert client.get("/openrosa/keys/", secure=True).status_code == 302


def test_every_key_event_is_in_the_audit_trail_once(client, field):
    key = issued(field)
    collect = Collect(client, key=key.token)
    collect.form_list()
    collect.form_list()
    keys.revoke_key(key_id=key.key.pk, by=field)
    keys.revoke_key(key_id=key.key.pk, by=field)  # again: changes nothing
    actions = list(
        AuditEvent.objects.filter(subject=f"collect key {key.key.pk}")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.COLLECT_KEY_ISSUED,
        AuditAction.COLLECT_KEY_FIRST_USED,
        AuditAction.COLLECT_KEY_REVOKED,
    ]


def test_the_command_issues_prints_lists_and_revokes(client, field, settings):
    settings.ALLOWED_HOSTS = ["prices.example.org"]
    out, err = io.StringIO(), io.StringIO()
    call_command("collect_key", "aibek", "--name", "Field phone", stdout=out, stderr=err)
    url = out.getvalue().strip()
    assert url.startswith("https://prices.example.org/openrosa/key/")
    key = CollectKey.objects.get(name="Field phone")
    assert f"key {key.pk}" in err.getvalue()
    token = url.rsplit("/", 1)[1]
    settings.ALLOWED_HOSTS = ["testserver"]
    assert Collect(client, key=token).form_list()
    listed = io.StringIO()
    call_command("collect_key", "aibek", "--list", stdout=listed)
    assert "Field phone\tvalid" in listed.getvalue() and token not in listed.getvalue()
    call_command("collect_key", "--revoke", str(key.pk), stdout=io.StringIO())
    assert _call(client, "get", f"/openrosa/key/{token}/formList").status_code == 401
    with pytest.raises(Exception, match="There is no key 999"):
        call_command("collect_key", "--revoke", "999", stdout=io.StringIO())


def test_a_key_is_long_and_random(field):
    tokens = {issued(field, name=f"p{n}").token for n in range(20)}
    assert len(tokens) == 20
    assert all(len(base64.urlsafe_b64decode(t + "=")) == 32 for t in tokens)
    assert django_settings.LOGIN_MAX_FAILURES_PER_ADDRESS > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--expires-days", "99999999"], "--expires-days must be from 1 to 3650"),
        (["--expires-days", "0"], "--expires-days must be from 1 to 3650"),
        (["--base-url", "prices.example.org"], "--base-url must be the service's address"),
        (["--base-url", "https://"], "--base-url must be the service's address"),
    ],
)
def test_the_command_refuses_bad_arguments_and_issues_nothing(field, args, message):
    out = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("collect_key", "aibek", *args, stdout=out, stderr=io.StringIO())
    assert out.getvalue() == "" and not CollectKey.objects.exists()
