"""Two-factor sign-in: accounts that may review prices, publish bulletins or broadcast,
and the admin, enrol a TOTP authenticator (RFC 6238) with a QR code and get ten
recovery codes; signing in then takes a code, under the same throttle as passwords."""

import io
import re
import time

import pytest
import segno
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agriprices.audit.models import AuditAction, AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required(settings):
    settings.REQUIRE_TWO_FACTOR = True


def code_for(device, *, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return totp.token()


def sign_in(client, user, password="pw", follow=False):
    return client.post(
        "/accounts/login/?next=/review/",
        {"username": user.username, "password": password, "next": "/review/"},
        follow=follow,
    )


def enrol(client, user):
    """Sign in with the password and enrol as a person would; the recovery codes."""
    sign_in(client, user)
    page = client.get("/accounts/two-factor/setup/?next=/review/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(
        "/accounts/two-factor/setup/",
        {"device": device.pk, "code": f"{code_for(device):06d}", "next": "/review/"},
    )
    assert done.status_code == 200, done.content.decode()
    assert page.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())


PROTECTED = ["/", "/review/", "/bulletins/new/", "/broadcasts/", "/audit/", "/admin/"]


@pytest.mark.parametrize("path", PROTECTED)
def test_an_operator_without_a_second_factor_enrols_before_any_page(client, path):
    boss = factories.operator("ainura")
    sign_in(client, boss)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/setup/?next=")


def test_an_admin_is_sent_to_enrol_from_the_admins_own_login(client):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    admin.save()
    client.post("/admin/login/?next=/admin/", {"username": "root", "password": "pw"})
    response = client.get("/admin/agriprices/quote/")
    assert response["Location"].startswith("/accounts/two-factor/setup/")


def test_the_api_answers_an_unfinished_sign_in_in_json(client):
    sign_in(client, factories.operator("ainura"))
    response = client.get("/api/v1/markets/")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "second_factor_required"


def test_an_agent_signs_in_with_a_password_alone(client, osh):
    agent = factories.agent(markets=[osh])
    sign_in(client, agent)
    assert client.get("/report/").status_code == 200


def test_enrolment_shows_a_qr_code_of_the_secret_then_ten_recovery_codes(client):
    boss = factories.operator("ainura")
    sign_in(client, boss)
    page = client.get("/accounts/two-factor/setup/").content.decode()
    device = TOTPDevice.objects.get(user=boss, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/AgriPrices%3Aainura?secret=")
    drawn = segno.make(device.config_url, error="m", micro=False).svg_inline(scale=4)
    assert drawn.split("<path")[1] in page
    # A reload shows the same secret: what the phone scanned stays good.
    client.get("/accounts/two-factor/setup/")
    assert TOTPDevice.objects.get(user=boss, confirmed=False).pk == device.pk
    wrong = client.post("/accounts/two-factor/setup/", {"device": device.pk, "code": "000000"})
    assert wrong.status_code == 400
    assert "Wrong code" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=boss, confirmed=True).exists()
    # django-otp pauses a device a second after a wrong code; a person takes longer.
    too_soon = client.post(
        "/accounts/two-factor/setup/", {"device": device.pk, "code": f"{code_for(device):06d}"}
    )
    assert "Wait a few seconds" in too_soon.content.decode()
    time.sleep(1.05)
    done = client.post(
        "/accounts/two-factor/setup/", {"device": device.pk, "code": f"{code_for(device):06d}"}
    )
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(set(codes)) == 10
    assert "no-store" in done["Cache-Control"]
    assert client.get("/review/").status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.TWO_FACTOR_ENROLLED, actor_name="ainura"
    ).exists()


def test_signing_in_takes_the_code_after_the_password(client):
    boss = factories.operator("ainura")
    enrol(client, boss)
    client.logout()
    response = sign_in(client, boss)
    assert client.get("/review/")["Location"] == "/accounts/two-factor/?next=%2Freview%2F"
    wrong = client.post("/accounts/two-factor/", {"code": "123456", "next": "/review/"})
    assert wrong.status_code == 400 and "Wrong code" in wrong.content.decode()
    time.sleep(1.05)  # django-otp's pause after a wrong code
    device = TOTPDevice.objects.get(user=boss)
    right = client.post(
        "/accounts/two-factor/",
        {"code": f"{code_for(device, steps_ahead=1):06d}", "next": "/review/"},
    )
    assert right["Location"] == "/review/"
    assert client.get("/review/").status_code == 200
    assert response.status_code == 302
    actions = set(AuditEvent.objects.filter(actor_name="ainura").values_list("action", flat=True))
    assert {
        AuditAction.LOGIN,
        AuditAction.TWO_FACTOR_FAILED,
        AuditAction.TWO_FACTOR_PASSED,
    } <= actions


def test_a_code_works_once(client):
    boss = factories.operator("ainura")
    enrol(client, boss)
    client.logout()
    device = TOTPDevice.objects.get(user=boss)
    code = f"{code_for(device, steps_ahead=1):06d}"
    sign_in(client, boss)
    assert client.post("/accounts/two-factor/", {"code": code})["Location"] == "/"
    client.logout()
    sign_in(client, boss)
    replay = client.post("/accounts/two-factor/", {"code": code})
    assert replay.status_code == 400


def test_a_recovery_code_signs_in_once(client):
    boss = factories.operator("ainura")
    codes = enrol(client, boss)
    client.logout()
    sign_in(client, boss)
    first = client.post("/accounts/two-factor/", {"code": codes[3].upper(), "next": "/review/"})
    assert first["Location"] == "/review/"
    assert StaticToken.objects.filter(device__user=boss).count() == 9
    client.logout()
    sign_in(client, boss)
    again = client.post("/accounts/two-factor/", {"code": codes[3]})
    assert again.status_code == 400
    assert "already used" in again.content.decode()
    used = AuditEvent.objects.get(action=AuditAction.RECOVERY_CODE_USED)
    assert used.detail == "9 left" and codes[3] not in used.detail


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own pause is not what is tested here
    boss = factories.operator("ainura")
    codes = enrol(client, boss)
    client.logout()
    sign_in(client, boss)
    for _ in range(3):
        assert client.post("/accounts/two-factor/", {"code": "000000"}).status_code == 400

    locked = client.post("/accounts/two-factor/", {"code": codes[0]})
    assert "Too many failed logins" in locked.content.decode()
    assert StaticToken.objects.filter(device__user=boss, token=codes[0]).exists()
    # The password form is locked for that username as well.
    client.logout()
    assert "Too many failed logins" in sign_in(client, boss).content.decode()


def test_a_half_signed_in_session_cannot_replace_the_second_factor(client):
    boss = factories.operator("ainura")
    enrol(client, boss)
    client.logout()
    sign_in(client, boss)
    response = client.get("/accounts/two-factor/setup/?replace=1")
    assert response["Location"] == "/accounts/two-factor/"
    assert TOTPDevice.objects.filter(user=boss).count() == 1


def test_an_enrolled_account_gives_its_code_even_where_not_required(client, settings, osh):
    settings.REQUIRE_TWO_FACTOR = False
    agent = factories.agent(markets=[osh])
    enrol(client, agent)
    client.logout()
    sign_in(client, agent)
    assert client.get("/report/")["Location"].startswith("/accounts/two-factor/")


def test_recovery_codes_can_be_renewed_and_the_old_ones_stop(client):
    boss = factories.operator("ainura")
    old = enrol(client, boss)
    page = client.post("/accounts/two-factor/codes/")
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    client.logout()
    sign_in(client, boss)
    assert client.post("/accounts/two-factor/", {"code": old[0]}).status_code == 400


def test_the_command_resets_a_lost_second_factor(client):
    boss = factories.operator("ainura")
    enrol(client, boss)
    client.logout()
    out = io.StringIO()
    call_command("two_factor", "reset", "ainura", stdout=out)
    assert "2 device(s) removed" in out.getvalue()
    sign_in(client, boss)
    assert client.get("/review/")["Location"].startswith("/accounts/two-factor/setup/")
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_RESET).count() == 1
    status = io.StringIO()
    call_command("two_factor", "status", "ainura", stdout=status)
    assert "not enrolled" in status.getvalue() and "required" in status.getvalue()


def test_the_next_address_stays_on_this_site(client):
    boss = factories.operator("ainura")
    enrol(client, boss)
    client.logout()
    sign_in(client, boss)
    device = TOTPDevice.objects.get(user=boss)
    response = client.post(
        "/accounts/two-factor/",
        {"code": f"{code_for(device, steps_ahead=1):06d}", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_the_admin_shows_no_second_factor_secrets(client, settings):
    settings.REQUIRE_TWO_FACTOR = False
    root = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    root.save()
    client.force_login(root)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_codes_written_down_with_dashes_or_spaces_are_accepted(client):
    boss = factories.operator("ainura")
    codes = enrol(client, boss)
    client.logout()
    sign_in(client, boss)
    dashed = f" {codes[0][:4].upper()}-{codes[0][4:]} "
    assert client.post("/accounts/two-factor/", {"code": dashed})["Location"] == "/"
    client.logout()
    device = TOTPDevice.objects.get(user=boss)
    digits = f"{code_for(device, steps_ahead=1):06d}"
    sign_in(client, boss)
    typed = f"{digits[:3]}-{digits[3:]}"
    assert client.post("/accounts/two-factor/", {"code": typed})["Location"] == "/"


def test_passing_the_second_factor_gives_the_session_a_new_key(client):
    boss = factories.operator("ainura")
    codes = enrol(client, boss)
    client.logout()
    sign_in(client, boss)
    half = client.cookies["sessionid"].value
    assert client.post("/accounts/two-factor/", {"code": codes[1]})["Location"] == "/"
    assert client.cookies["sessionid"].value != half
    # The key seen between the password and the code is no way in.
    stolen = type(client)()
    stolen.cookies["sessionid"] = half
    assert stolen.get("/review/").status_code == 302
