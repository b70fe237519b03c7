"""Deactivating an account (an agent who left): its Collect keys and API token are
revoked for good, each in the audit trail with the reason, so reactivating the account
brings none of them back: its phones get new keys. The admin does it only through its
list's actions, which say why."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from agriprices.audit.models import AuditAction, AuditEvent
from openrosa import keys
from openrosa.models import CollectKey
from telecentre import accounts
from tests import factories
from tests.openrosa.test_collect import Collect
from tests.telecentre.test_two_factor import enrol

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/auth/user/"


@pytest.fixture
def aibek(osh, potatoes):
    return factories.agent(markets=[osh], username="aibek")


@pytest.fixture
def boss(db):
    user = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    user.save()  # the password the factory set
    return user


def phone(client, agent, name="Aibek's Samsung"):
    return Collect(client, key=keys.issue_key(agent=agent, name=name, by=agent).token)


def answer(collect):
    return collect.get(f"{collect.base}/formList").status_code


def api_answer(client, token):
    return client.get("/api/v1/quotes/", HTTP_AUTHORIZATION=f"Token {token}").status_code


def test_a_phone_given_up_when_its_agent_left_stays_refused_after_reactivation(client, aibek, boss):
    samsung, nokia = phone(client, aibek), phone(client, aibek, "Old Nokia")
    token = Token.objects.create(user=aibek).key
    assert answer(samsung) == answer(nokia) == 200 and api_answer(client, token) == 200

    left = accounts.deactivate_account(user_id=aibek.pk, by=boss, reason="left in May")
    assert left.changed and left.keys_revoked == 2
    assert answer(samsung) == answer(nokia) == 401
    back = accounts.reactivate_account(user_id=aibek.pk, by=boss)
    assert back.changed and back.keys_revoked == 0
    aibek.refresh_from_db()
    assert aibek.is_active
    # Nothing the account held before works again: not the keys, not the API token.
    assert answer(samsung) == answer(nokia) == 401
    assert api_answer(client, token) == 401
    # A new key for the phone does.
    assert answer(phone(client, aibek, "Aibek's new Samsung")) == 200

    revoked = AuditEvent.objects.filter(action=AuditAction.COLLECT_KEY_REVOKED).order_by("pk")
    assert [(e.actor, e.detail) for e in revoked] == [
        (boss, "aibek: Aibek's Samsung (account deactivated: left in May)"),
        (boss, "aibek: Old Nokia (account deactivated: left in May)"),
    ]
    deactivated = AuditEvent.objects.get(action=AuditAction.ACCOUNT_DEACTIVATED)
    assert deactivated.actor == boss and deactivated.detail == "left in May"
    assert deactivated.subject == f"user {aibek.pk} (aibek)"
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1
    assert AuditEvent.objects.get(action=AuditAction.ACCOUNT_REACTIVATED).actor == boss


def test_deactivating_again_changes_nothing_more(aibek, boss, client):
    phone(client, aibek)
    accounts.deactivate_account(user_id=aibek.pk, by=boss, reason="left")
    rows = AuditEvent.objects.count()
    again = accounts.deactivate_account(user_id=aibek.pk, by=boss, reason="left")
    assert not again.changed and again.keys_revoked == 0
    assert AuditEvent.objects.count() == rows


@pytest.mark.parametrize(
    ("reason", "by_self", "said"),
    [
        ("   ", False, "Say why the account is deactivated"),
        ("x" * 201, False, "longer than 200 characters"),
        ("leaving", True, "You cannot deactivate your own account."),
    ],
)
def test_a_deactivation_refused_says_why_and_changes_nothing(
    client, aibek, boss, reason, by_self, said
):
    samsung = phone(client, aibek)
    who = aibek.pk if not by_self else boss.pk
    with pytest.raises(accounts.AccountError, match=said):
        accounts.deactivate_account(user_id=who, by=boss, reason=reason)
    aibek.refresh_from_db()
    boss.refresh_from_db()
    assert aibek.is_active and boss.is_active and answer(samsung) == 200
    assert not AuditEvent.objects.filter(action=AuditAction.COLLECT_KEY_REVOKED).exists()


def test_only_who_may_change_accounts_deactivates_them(client, aibek):
    samsung = phone(client, aibek)
    nurlan = factories.operator("nurlan")
    with pytest.raises(accounts.AccountError, match="You may not change accounts."):
        accounts.deactivate_account(user_id=aibek.pk, by=nurlan, reason="left")
    assert answer(samsung) == 200


def test_a_key_left_standing_by_an_older_deactivation_is_revoked_on_reactivation(
    client, aibek, boss
):
    samsung = phone(client, aibek)
    # Deactivated before this rule, or from a shell: the key stayed unrevoked.
    type(aibek).objects.filter(pk=aibek.pk).update(is_active=False)
    assert answer(samsung) == 401
    back = accounts.reactivate_account(user_id=aibek.pk, by=boss)
    assert back.keys_revoked == 1
    assert answer(samsung) == 401
    event = AuditEvent.objects.get(action=AuditAction.COLLECT_KEY_REVOKED)
    assert event.detail.endswith("(account reactivated: keys from before stay revoked)")


def _admin(client, boss):
    client.force_login(boss)
    return client


def test_the_admin_deactivates_from_the_user_list_saying_why(client, aibek, boss):
    samsung = phone(client, aibek)
    admin = _admin(client, boss)
    asked = admin.post(CHANGELIST, {"action": "deactivate", "_selected_action": [aibek.pk]})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "aibek" in page and 'name="reason"' in page
    # Without a reason: asked again, nothing changed.
    blank = admin.post(
        CHANGELIST,
        {"action": "deactivate", "_selected_action": [aibek.pk], "apply": "1", "reason": " "},
    )
    assert blank.status_code == 200 and "This field is required." in blank.content.decode()
    aibek.refresh_from_db()
    assert aibek.is_active and answer(samsung) == 200

    done = admin.post(
        CHANGELIST,
        {
            "action": "deactivate",
            "_selected_action": [aibek.pk],
            "apply": "1",
            "reason": "left the project",
        },
        follow=True,
    )
    assert "1 account deactivated; 1 Collect key revoked." in done.content.decode()
    aibek.refresh_from_db()
    assert not aibek.is_active and answer(samsung) == 401

    admin.post(CHANGELIST, {"action": "reactivate", "_selected_action": [aibek.pk]})
    aibek.refresh_from_db()
    assert aibek.is_active and answer(samsung) == 401
    assert CollectKey.objects.get().revoked_by == boss
    assert AuditEvent.objects.get(action=AuditAction.ACCOUNT_DEACTIVATED).detail == (
        "left the project"
    )


def test_the_admins_user_form_does_not_change_active_behind_the_actions_back(client, aibek, boss):
    samsung = phone(client, aibek)
    admin = _admin(client, boss)
    change = f"{CHANGELIST}{aibek.pk}/change/"
    page = admin.get(change).content.decode()
    assert 'name="is_active"' not in page and "Deactivate selected accounts" in page
    # The form sent with every other field as it was and "Active" left out, as an
    # unticked box is: the account stays active and its key works.
    sent = admin.post(
        change,
        {
            "username": "aibek",
            "first_name": "",
            "last_name": "",
            "email": "",
            "groups": list(aibek.groups.values_list("pk", flat=True)),
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": aibek.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": aibek.date_joined.strftime("%H:%M:%S"),
        },
    )
    assert sent.status_code == 302, sent.content.decode()[:2000]
    aibek.refresh_from_db()
    assert aibek.is_active and answer(samsung) == 200


@pytest.fixture
def signed_in(settings):
    """An operator signed in on the dashboard with the password and the second factor,
    as a person does it; the session key their browser holds."""
    settings.REQUIRE_TWO_FACTOR = True
    nurlan = factories.operator("nurlan")
    browser = Client()
    enrol(browser, nurlan)
    assert browser.get("/review/").status_code == 200
    return nurlan, browser.cookies["sessionid"].value


def _opens(session_key, path="/review/"):
    """What a browser still holding ``session_key`` is answered."""
    browser = Client()
    browser.cookies["sessionid"] = session_key
    return browser.get(path)


def _signed_in_admin(boss):
    """The admin, signed in with their second factor given."""
    admin = Client()
    admin.force_login(boss)
    session = admin.session
    device = TOTPDevice.objects.create(user=boss, name="authenticator", confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return admin


def _by_the_service(user, boss):
    accounts.deactivate_account(user_id=user.pk, by=boss, reason="left in May")
    accounts.reactivate_account(user_id=user.pk, by=boss)


def _by_the_admin(user, boss):
    admin = _signed_in_admin(boss)
    chosen = {"_selected_action": [user.pk]}
    done = admin.post(CHANGELIST, {"action": "deactivate", "apply": "1", "reason": "left"} | chosen)
    assert done.status_code == 302
    admin.post(CHANGELIST, {"action": "reactivate"} | chosen)


def _by_a_save(user, boss):
    """From a shell: no service, no audit row, but the same rule."""
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()


@pytest.mark.parametrize("deactivate", [_by_the_service, _by_the_admin, _by_a_save])
def test_a_deactivated_account_is_signed_out_everywhere_and_stays_so_reactivated(
    signed_in, boss, deactivate
):
    nurlan, session_key = signed_in
    other = factories.operator("ainura")
    elsewhere = Client()
    elsewhere.force_login(other)
    deactivate(nurlan, boss)
    nurlan.refresh_from_db()
    assert nurlan.is_active
    # The browser signed in before the deactivation is anonymous: asked to sign in
    # again, password and second factor, not let back in by the reactivation.
    answer = _opens(session_key)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
    # Only that account's sessions ended.
    assert elsewhere.session.get("_auth_user_id") == str(other.pk)


def test_a_save_that_leaves_active_alone_signs_no_one_out(signed_in):
    nurlan, session_key = signed_in
    nurlan.first_name = "Nurlan"
    nurlan.save()
    assert _opens(session_key).status_code == 200


def test_an_account_saved_inactive_from_a_shell_gives_up_its_keys_and_token_for_good(client, aibek):
    samsung = phone(client, aibek)
    token = Token.objects.create(user=aibek).key
    aibek.is_active = False
    aibek.save()
    assert answer(samsung) == 401
    assert not Token.objects.filter(user=aibek).exists()
    revoked = AuditEvent.objects.get(action=AuditAction.COLLECT_KEY_REVOKED)
    assert revoked.actor is None
    assert revoked.detail == "aibek: Aibek's Samsung (account made inactive)"
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1
    # Made active again the same way: neither comes back.
    aibek.is_active = True
    aibek.save()
    assert answer(samsung) == 401 and api_answer(client, token) == 401


def test_a_save_that_leaves_active_as_it_was_withdraws_nothing(client, aibek, boss):
    samsung = phone(client, aibek)
    token = Token.objects.create(user=aibek).key
    assert answer(samsung) == 200  # its first use, audited once
    rows = AuditEvent.objects.count()
    aibek.first_name = "Aibek"
    aibek.save()
    aibek.save(update_fields=["last_login"])
    assert answer(samsung) == 200 and api_answer(client, token) == 200
    assert AuditEvent.objects.count() == rows
    # An account deactivated, saved again: nothing more is written.
    accounts.deactivate_account(user_id=aibek.pk, by=boss, reason="left")
    aibek.refresh_from_db()
    rows = AuditEvent.objects.count()
    aibek.last_name = "Uulu"
    aibek.save()
    assert AuditEvent.objects.count() == rows
