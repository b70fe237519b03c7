"""The pages of the second pair of eyes and of the audit trail: a bulletin's large SMS
waits on the broadcast page for another operator; every security-relevant action leaves
a row that operators search and export, and that nobody changes in the admin."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from agriprices.audit.models import AuditAction, AuditEvent
from agriprices.audit.services import prune, record
from sms_gateway.backends import locmem
from sms_gateway.models import Broadcast
from tests import factories
from tests.sms_gateway.test_subscriptions import subscribers_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings):
    settings.SMS_BACKEND = "sms_gateway.backends.locmem.LocmemBackend"
    locmem.outbox.clear()
    return locmem.outbox


@pytest.fixture
def big_bulletin(settings, osh):
    settings.BROADCAST_APPROVAL_MIN = 3
    subscribers_in(osh, 4)
    bulletin = factories.BulletinFactory(sms_summary="Frost tonight: cover seedlings")
    bulletin.regions.set([osh.region])
    return bulletin


def test_a_large_bulletin_sms_waits_on_the_broadcast_page_for_another_operator(
    client, big_bulletin, outbox, django_capture_on_commit_callbacks
):
    author, second = factories.operator("ainura"), factories.operator("bakyt")
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(
            f"/bulletins/{big_bulletin.pk}/publish/", {"send_sms": "on"}, follow=True
        )
    broadcast = Broadcast.objects.get()
    assert published.redirect_chain[-1][0] == f"/broadcasts/{broadcast.pk}/"
    page = published.content.decode()
    assert "waits for another operator" in page and outbox == []
    assert "4: 4 by SMS, 0 by WhatsApp" in page
    assert "1 SMS segment each (GSM-7), 4 in all" in page
    assert "under a minute" in page
    assert "Approve and send" not in page and "Withdraw" in page
    # The author's approval, forged past the missing button, is refused.
    client.post(f"/broadcasts/{broadcast.pk}/decide/", {"decision": "approve"})
    assert outbox == []
    client.force_login(second)
    listing = client.get("/broadcasts/").content.decode()
    assert "Frost tonight" in listing and "asked by ainura" in listing
    with django_capture_on_commit_callbacks(execute=True):
        for _tap in range(2):  # a double tap
            done = client.post(
                f"/broadcasts/{broadcast.pk}/decide/", {"decision": "approve"}, follow=True
            )
    assert len(outbox) == 4
    assert "This was done already; nothing more was sent." in done.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.BROADCAST_APPROVED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.BULLETIN_PUBLISHED).count() == 1


def test_a_bad_decision_changes_nothing(client, big_bulletin, outbox):
    client.force_login(factories.operator("bakyt"))
    assert client.post("/broadcasts/999/decide/", {"decision": "approve"}).status_code == 302
    response = client.post("/broadcasts/1/decide/", {"decision": "maybe"}, follow=True)
    assert "Choose approve or reject." in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="broadcast_").exists()


def test_agents_see_no_broadcasts_and_no_audit(client, osh):
    client.force_login(factories.agent(markets=[osh]))
    for path in ("/broadcasts/", "/audit/", "/audit.csv"):
        assert client.get(path).status_code == 403


def test_the_training_banner_is_on_every_page(client, settings):
    settings.TRAINING_MODE = True
    assert "Training mode" in client.get("/").content.decode()
    settings.TRAINING_MODE = False
    assert "Training mode" not in client.get("/").content.decode()


def test_sign_ins_reviews_and_tokens_are_recorded(client, osh, potatoes):
    boss = factories.operator("ainura")
    client.post("/accounts/login/", {"username": "ainura", "password": "wrong"})
    client.post("/accounts/login/", {"username": "ainura", "password": "pw"})
    quote = factories.QuoteFactory(market=osh, commodity=potatoes, status="flagged")
    client.post("/review/", {"quotes": [quote.pk], "action": "reject", "reason": "decimal slipped"})
    call_command("api_token", "ainura", stdout=io.StringIO(), stderr=io.StringIO())
    call_command("api_token", "ainura", "--revoke", stdout=io.StringIO())
    rows = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_name", "detail"))
    assert rows[0] == (AuditAction.LOGIN_FAILED, "ainura", "")
    assert rows[1][:2] == (AuditAction.LOGIN, "ainura")
    assert (AuditAction.QUOTE_REVIEWED, "ainura", "flagged -> rejected: decimal slipped") in rows
    assert [r[0] for r in rows[-2:]] == [
        AuditAction.API_TOKEN_ISSUED,
        AuditAction.API_TOKEN_REVOKED,
    ]
    assert AuditEvent.objects.get(action=AuditAction.LOGIN).address == "127.0.0.1"
    assert boss.is_active


def test_operators_search_the_trail_and_export_it_safely(client):
    boss = factories.operator("ainura")
    record(
        AuditAction.LOGIN_FAILED, actor_name='=HYPERLINK("http://x")', subject="/accounts/login/"
    )
    record(AuditAction.QUOTE_REVIEWED, actor=boss, subject="quote 7", detail="flagged -> approved")
    client.force_login(boss)
    page = client.get("/audit/?q=quote+7").content.decode()
    assert "quote 7" in page and "HYPERLINK" not in page
    only_failures = client.get("/audit/?action=login_failed").content.decode()
    assert "HYPERLINK" in only_failures and "quote 7" not in only_failures
    bad = client.get("/audit/?since=yesterday")
    assert bad.status_code == 400
    assert "Write the date as year-month-day in the digits 0 to 9" in bad.content.decode()
    exported = b"".join(client.get("/audit.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0][:4] == ["time", "action", "username", "subject"]
    assert ['\'=HYPERLINK("http://x")'] == [r[2] for r in rows[1:] if "HYPERLINK" in r[2]]
    filtered = b"".join(client.get("/audit.csv?q=quote+7").streaming_content).decode()
    assert len(list(csv.reader(io.StringIO(filtered)))) == 2


def test_nobody_changes_or_deletes_the_trail_in_the_admin(client):
    root = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    root.save()
    client.force_login(root)
    event = record(AuditAction.LOGIN, actor=root)
    url = f"/admin/agriprices/auditevent/{event.pk}/"
    page = client.get(f"{url}change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(f"{url}change/", {"action": "login_failed", "actor_name": "someone"})
    assert client.get(f"{url}delete/").status_code == 403
    client.post(
        "/admin/agriprices/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert client.get("/admin/agriprices/auditevent/add/").status_code == 403
    event.refresh_from_db()
    assert (event.action, event.actor_name) == (AuditAction.LOGIN, "root")


def test_the_trail_is_kept_for_its_retention_days(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = record(AuditAction.LOGIN, actor_name="old")
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=31))
    kept = record(AuditAction.LOGIN, actor_name="new")
    assert prune() == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.parametrize(
    ("hours", "said"),
    [(0.001, "under a minute"), (0.5, "about 30 min"), (27.78, "about 27 h 47 min")],
)
def test_the_sending_time_reads_as_people_say_it(hours, said):
    from telecentre.views.broadcasts import sending_time

    assert sending_time(hours) == said


def test_a_bulletin_sms_too_slow_to_send_is_refused_and_the_refusal_kept(
    client, big_bulletin, outbox, settings
):
    settings.SMS_SEGMENTS_PER_SECOND = 1
    settings.SMS_MAX_QUEUE_HOURS = 3 / 3600  # three seconds: four segments do not fit
    client.force_login(factories.operator("ainura"))
    page = client.post(f"/bulletins/{big_bulletin.pk}/publish/", {"send_sms": "on"}, follow=True)
    assert "longer than the provider keeps a message queued" in page.content.decode()
    big_bulletin.refresh_from_db()
    assert big_bulletin.published_at is None and not Broadcast.objects.exists() and outbox == []
    refused = AuditEvent.objects.get(action=AuditAction.BROADCAST_REFUSED)
    assert refused.actor_name == "ainura" and "4 SMS segments" in refused.detail


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=0001-01-01", "Give a day between 2000-01-01 and 2099-12-31."),
        ("since=2020-01-01&until=9999-12-31", "Give a day between 2000-01-01 and 2099-12-31."),
        ("since=2026-12-10&until=2026-01-01", "This day is after the last day asked for."),
    ],
)
def test_days_the_trail_cannot_hold_are_refused_naming_the_field(client, query, message):
    record(AuditAction.QUOTE_REVIEWED, subject="quote 7")
    client.force_login(factories.operator("ainura"))
    for path in ("/audit/", "/audit.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert message in response.content.decode()


def test_a_bulletin_sms_rejected_can_be_asked_for_again_once(
    client, big_bulletin, outbox, django_capture_on_commit_callbacks
):
    author, second = factories.operator("ainura"), factories.operator("bakyt")
    client.force_login(author)
    client.post(f"/bulletins/{big_bulletin.pk}/publish/", {"send_sms": "on"})
    first = Broadcast.objects.get()
    client.force_login(second)
    client.post(f"/broadcasts/{first.pk}/decide/", {"decision": "reject"})
    # The author corrects the summary and asks again (twice: a double tap).
    big_bulletin.sms_summary = "Frost tonight: cover seedlings before 20:00"
    big_bulletin.save()
    client.force_login(author)
    for _tap in range(2):
        client.post(f"/bulletins/{big_bulletin.pk}/publish/", {"send_sms": "on"})
    again = Broadcast.objects.exclude(pk=first.pk).get()
    assert again.status == Broadcast.Status.AWAITING_APPROVAL
    assert again.body.endswith("before 20:00") and outbox == []
    client.force_login(second)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/broadcasts/{again.pk}/decide/", {"decision": "approve"})
    assert len(outbox) == 4 and all(m["body"].endswith("before 20:00") for m in outbox)
