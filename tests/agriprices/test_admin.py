import html
from decimal import Decimal

import pytest
from django.urls import reverse

from agriprices.models import (
    AgentProfile,
    Commodity,
    CommodityAlias,
    LatestPrice,
    Market,
    MarketAlias,
    Quote,
    QuoteEvent,
    Region,
    Unit,
)
from agriprices.services.recording import record_quote
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db
MODELS = [
    Region,
    Unit,
    Commodity,
    Market,
    CommodityAlias,
    MarketAlias,
    AgentProfile,
    Quote,
    QuoteEvent,
    LatestPrice,
]


@pytest.fixture
def flagged(agent, potatoes, osh, days_ago):
    quotes = [
        record_quote(
            agent=agent,
            commodity=potatoes,
            market=osh,
            unit=potatoes.base_unit,
            price=Decimal(p),
            observed_on=days_ago(d),
            source=Quote.Source.WEB,
        )
        for d, p in [(9, "18"), (7, "18"), (5, "19"), (3, "18"), (1, "190")]
    ]
    assert quotes[-1].status == "flagged"
    return quotes[-1]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_has_a_list_page_with_search(admin_client, flagged, model):
    url = reverse(f"admin:agriprices_{model._meta.model_name}_changelist")
    response = admin_client.get(url, {"q": "Osh"})
    assert response.status_code == 200
    assert b"searchbar" in response.content


def test_operator_sees_the_flag_reason_and_approves_from_the_list(client, operator, flagged):
    client.force_login(operator)
    url = reverse("admin:agriprices_quote_changelist")
    page = client.get(url, {"status__exact": "flagged"})
    assert flagged.status_reason.startswith("10.6× the recent median at Osh")
    assert flagged.status_reason in page.content.decode()
    client.post(url, {"action": "approve", "_selected_action": [flagged.pk]})
    flagged.refresh_from_db()
    assert flagged.status == "approved"
    assert LatestPrice.objects.get().quote_id == flagged.pk
    assert QuoteEvent.objects.filter(quote=flagged, actor=operator, to_status="approved").exists()


def test_rejecting_in_the_admin_asks_for_a_reason(client, operator, flagged):
    client.force_login(operator)
    url = reverse("admin:agriprices_quote_changelist")
    page = client.post(url, {"action": "reject", "_selected_action": [flagged.pk]})
    assert b'name="reason"' in page.content
    flagged.refresh_from_db()
    assert flagged.status == "flagged"
    client.post(
        url, {"action": "reject", "_selected_action": [flagged.pk], "apply": "1", "reason": "typo"}
    )
    flagged.refresh_from_db()
    assert (flagged.status, flagged.status_reason) == ("rejected", "typo")


def test_quotes_cannot_be_edited_or_deleted_in_the_admin(admin_client, flagged):
    page = admin_client.get(reverse("admin:agriprices_quote_change", args=[flagged.pk]))
    assert b'name="price"' not in page.content
    response = admin_client.post(
        reverse("admin:agriprices_quote_delete", args=[flagged.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Quote.objects.filter(pk=flagged.pk).exists()


def test_agents_cannot_enter_the_admin(client, agent):
    client.force_login(agent)
    response = client.get(reverse("admin:agriprices_quote_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ('"Ошская область"', "Write the names as an object by language code"),
        ('["Ошская область"]', "Write the names as an object by language code"),
        ('{"xx": "Ош"}', "'xx' is not a language of this service (en, fr, ru, ky)."),
        ('{"RU": "Ош"}', "'RU' is not a language of this service"),
        ('{"ru": 5}', "The name in ru must be text."),
        ('{"ru": "  "}', "The name in ru must be text."),
        ('{"ru": "\\u202eОш"}', "ru contains the invisible character U+202E"),
    ],
)
def test_a_mistyped_name_is_refused_where_it_was_typed(admin_client, typed, said):
    """Stored, a string or a list in these fields took the dashboard down for everyone."""
    region = RegionFactory(name="Osh Region")
    url = reverse("admin:agriprices_region_change", args=[region.pk])
    form = {"name": region.name, "slug": region.slug, "translations": typed, "locatives": "{}"}
    response = admin_client.post(url, form)
    assert response.status_code == 200 and said in html.unescape(response.content.decode())
    region.refresh_from_db()
    assert region.translations == {}
    assert admin_client.get("/").status_code == 200


def test_an_emptied_names_field_is_no_names(admin_client):
    region = RegionFactory(name="Osh Region", translations={"ru": "Ошская область"})
    url = reverse("admin:agriprices_region_change", args=[region.pk])
    form = {"name": region.name, "slug": region.slug, "translations": "null", "locatives": "{}"}
    assert admin_client.post(url, form).status_code == 302
    region.refresh_from_db()
    assert region.translations == {}


def admin_plan_form(market, commodity, **changes):
    data = {
        "market": str(market.pk),
        "kind": "weekdays",
        "weekdays": ["1"],
        "tolerance_days": "1",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-commodity": str(commodity.pk),
        "items-0-price_type": "retail",
        "items-0-agent": "",
    }
    return data | changes


def test_a_plan_in_the_admin_speaks_of_checkboxes_expects_a_crop_and_is_audited(
    admin_client, osh, potatoes
):
    from agriprices.audit.models import AuditAction, AuditEvent
    from agriprices.collection.models import CollectionPlan

    url = "/admin/agriprices/collectionplan/add/"
    no_day = admin_client.post(url, admin_plan_form(osh, potatoes, weekdays=[]))
    assert "Tick at least one market day." in no_day.content.decode()
    assert "digits" not in no_day.content.decode()
    no_crop = admin_client.post(url, admin_plan_form(osh, potatoes, **{"items-0-commodity": ""}))
    assert no_crop.status_code == 200 and not CollectionPlan.objects.exists()
    assert admin_client.post(url, admin_plan_form(osh, potatoes)).status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.PLAN_CHANGED)
    assert event.subject == "collection plan osh"
    assert "schedule: default -> weekdays 1" in event.detail
    assert "+ potatoes retail" in event.detail


def test_deleting_plans_in_bulk_in_the_admin_audits_each_plan(admin_client, osh, bishkek, potatoes):
    from agriprices.audit.models import AuditAction, AuditEvent
    from agriprices.collection.models import CollectionPlan, PlannedItem

    plans = []
    for market in (osh, bishkek):
        plan = CollectionPlan.objects.create(market=market, weekdays="1")
        PlannedItem.objects.create(plan=plan, commodity=potatoes)
        plans.append(plan)
    response = admin_client.post(
        "/admin/agriprices/collectionplan/",
        {
            "action": "delete_selected",
            "_selected_action": [str(plan.pk) for plan in plans],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not CollectionPlan.objects.exists()
    events = AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).order_by("subject")
    assert [event.subject for event in events] == [
        "collection plan bishkek",
        "collection plan osh",
    ]
    for event in events:
        assert event.actor is not None and event.actor.is_superuser
        assert "schedule: weekdays 1 -> default" in event.detail
        assert "- potatoes retail" in event.detail
