"""Dates on the dashboard's forms (and the admin's plan form) are written in the digits
0 to 9, as the API takes them: the same day in Arabic-Indic or fullwidth digits is
refused beside its field, in the reader's language, and nothing is saved; Django's own
date field would take a fullwidth year silently."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.models import Quote
from telecentre.models import Bulletin

REFUSED = "Write the date as year-month-day in the digits 0 to 9, e.g. 2026-12-01."


def written(day: date, zero: str, *, year_only: bool = False) -> str:
    """``day`` in ISO form, in the digits of the script whose zero is ``zero``."""
    text = day.isoformat()
    other = text.translate({ord(str(n)): chr(ord(zero) + n) for n in range(10)})
    return other[:4] + text[4:] if year_only else other


def other_digits(day: date) -> list[str]:
    return [
        written(day, "\u0660"),  # Arabic-Indic: ٢٠٢٦-١٢-٠١
        written(day, "\uff10"),  # fullwidth: ２０２６-１２-０１
        written(day, "\uff10", year_only=True),  # ２０２６-12-01: Django alone takes it
    ]


def refused_beside(response, field: str, message: str = REFUSED) -> None:
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()


# --- The agent's price ------------------------------------------------------------------


def price_entry(osh, potatoes, day: str) -> dict:
    return {
        "market": osh.pk,
        "commodity": potatoes.pk,
        "price": "18",
        "unit": potatoes.base_unit.pk,
        "price_type": "retail",
        "observed_on": day,
    }


def test_a_price_seen_on_a_day_in_other_digits_is_refused(client, agent, osh, potatoes, today):
    client.force_login(agent)
    for day in other_digits(today):
        refused_beside(client.post("/report/", price_entry(osh, potatoes, day)), "observed_on")
    assert not Quote.objects.exists()
    client.post("/report/", price_entry(osh, potatoes, today.isoformat()))
    assert Quote.objects.get().observed_on == today


def test_a_price_seen_on_a_day_not_written_year_month_day_is_refused(
    client, agent, osh, potatoes, today
):
    client.force_login(agent)
    first = today.replace(day=1)
    year, week, weekday = first.isocalendar()
    for day in [first.strftime("%Y%m%d"), f"{year}-W{week:02d}-{weekday}", f"{first:%Y-%m}-1"]:
        refused_beside(client.post("/report/", price_entry(osh, potatoes, day)), "observed_on")
    assert not Quote.objects.exists()


def test_the_message_is_in_the_readers_language(client, agent, osh, potatoes, today):
    client.force_login(agent)
    said = {
        "ru": "Напишите дату в виде год-месяц-день цифрами от 0 до 9, например 2026-12-01.",
        "ky": "Күндү жыл-ай-күн түрүндө 0дөн 9га чейинки цифралар менен жазыңыз, мисалы "
        "2026-12-01.",
        "fr": "Écrivez la date sous la forme année-mois-jour avec les chiffres 0 à 9, par ex. "
        "2026-12-01.",
    }
    for language, message in said.items():
        response = client.post(
            "/report/",
            price_entry(osh, potatoes, written(today, "\u0660")),
            HTTP_ACCEPT_LANGUAGE=language,
        )
        refused_beside(response, "observed_on", message)
    assert not Quote.objects.exists()


def test_a_day_in_a_languages_own_order_is_refused_not_misread(client, agent, osh, potatoes, today):
    """11/12 is the 12th of November to Django in English and the 11th of December in
    French: a day typed by hand is taken year-month-day only, in every language."""
    client.force_login(agent)
    for language, day in (
        ("en", today.strftime("%d/%m/%Y")),
        ("en", today.strftime("%m/%d/%Y")),
        ("fr", today.strftime("%d/%m/%Y")),
        ("ru", today.strftime("%d.%m.%Y")),
    ):
        response = client.post(
            "/report/", price_entry(osh, potatoes, day), HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["observed_on"]
    assert not Quote.objects.exists()


def test_the_day_picker_shows_its_day_in_every_language(client, agent, today):
    """A date input takes its value year-month-day only; written the language's way
    (06.12.2026) the browser drops it and the agent sees no day."""
    client.force_login(agent)
    for language in ("en", "fr", "ru", "ky"):
        page = client.get("/report/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f'type="date" name="observed_on" value="{today.isoformat()}"' in page


# --- A market's collection plan ---------------------------------------------------------


def test_a_plan_counted_from_a_day_in_other_digits_is_refused(
    client, operator, osh, potatoes, today
):
    client.force_login(operator)
    url = f"/collection/plans/{osh.slug}/"
    plan = {
        "kind": "every",
        "every_days": "3",
        "tolerance_days": "1",
        "expected_retail": [str(potatoes.pk)],
    }
    for day in other_digits(today):
        version = client.get(url).context["form"].initial["version"]
        response = client.post(url, plan | {"starts_on": day, "version": version})
        refused_beside(response, "starts_on")
    assert not CollectionPlan.objects.exists()
    version = client.get(url).context["form"].initial["version"]
    response = client.post(url, plan | {"starts_on": today.isoformat(), "version": version})
    assert response.status_code == 302
    assert CollectionPlan.objects.get(market=osh).starts_on == today


# --- Bulletins --------------------------------------------------------------------------


def test_a_bulletin_ending_on_a_day_in_other_digits_is_refused(client, operator, osh, today):
    client.force_login(operator)
    bulletin = {
        "title": "Frost warning",
        "category": "weather",
        "language": "en",
        "regions": [osh.region.pk],
        "body": "Night frost expected on Thursday.",
        "sms_summary": "Frost Thursday night: cover seedlings.",
    }
    ends = today + timedelta(days=7)
    for day in other_digits(ends):
        refused_beside(client.post("/bulletins/new/", bulletin | {"expires_on": day}), "expires_on")
    assert not Bulletin.objects.exists()
    client.post("/bulletins/new/", bulletin | {"expires_on": ends.isoformat()})
    assert Bulletin.objects.get().expires_on == ends


# --- The audit trail's search -----------------------------------------------------------


def test_the_trail_searched_from_a_day_in_other_digits_is_refused(client, operator, today):
    client.force_login(operator)
    for field in ("since", "until"):
        for day in other_digits(today):
            for path in ("/audit/", "/audit.csv"):
                response = client.get(path, {field: day})
                assert response.status_code == 400
                assert response.context["form"].errors[field] == [REFUSED]
                assert REFUSED in response.content.decode()
    assert client.get("/audit/", {"since": today.isoformat()}).status_code == 200


# --- The admin's plan form --------------------------------------------------------------


def test_the_admin_plan_form_refuses_both_its_days_in_other_digits(admin_client, osh, potatoes):
    from tests.agriprices.test_admin import admin_plan_form

    url = "/admin/agriprices/collectionplan/add/"
    tomorrow = timezone.localdate() + timedelta(days=1)
    every = {"kind": "every", "every_days": "3", "weekdays": []}
    for day in other_digits(tomorrow):
        for field, data in (
            ("effective_from", {"effective_from": day}),
            ("starts_on", every | {"starts_on": day}),
        ):
            response = admin_client.post(url, admin_plan_form(osh, potatoes, **data))
            assert response.status_code == 200
            assert REFUSED in response.context["adminform"].form.errors[field], day
    assert not PlannedItem.objects.exists()
    assert not CollectionPlan.objects.exists()
    day = tomorrow.isoformat()
    saved = admin_plan_form(osh, potatoes, effective_from=day, **every, starts_on=day)
    assert admin_client.post(url, saved).status_code == 302
    plan = CollectionPlan.objects.get()
    assert (plan.effective_from, plan.starts_on) == (tomorrow, tomorrow)


def test_the_dashboard_and_the_admin_plan_form_have_no_other_date_field():
    """A date field added later is this one too, or this fails."""
    from django import forms

    from agriprices.collection.admin import CollectionPlanForm as AdminPlanForm
    from agriprices.forms import AsciiDateField
    from telecentre import forms as dashboard
    from telecentre.views.audit import AuditSearchForm

    classes = [
        value
        for value in vars(dashboard).values()
        if isinstance(value, type) and issubclass(value, forms.BaseForm)
    ]
    classes += [AuditSearchForm, AdminPlanForm]
    dates = {
        f"{form.__name__}.{name}": type(field)
        for form in classes
        for name, field in form.base_fields.items()
        if isinstance(field, forms.DateField)
    }
    assert {"PriceEntryForm.observed_on", "BulletinForm.expires_on"} <= set(dates)
    assert {name: kind for name, kind in dates.items() if kind is not AsciiDateField} == {}
