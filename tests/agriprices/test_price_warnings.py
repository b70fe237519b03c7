"""Price warnings as users meet them: computed from approved prices, recomputed when
prices change, sent by SMS once a month to followers, said in a farmer's price reply,
and listed by the management command."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.models import Quote
from agriprices.services.recording import record_quote
from agriprices.services.reviewing import review_quote
from agriprices.services.series import rebuild_latest_prices
from agriprices.warnings.computation import refresh_warnings
from agriprices.warnings.indicators import month_number, month_of
from agriprices.warnings.models import PriceWarning, WarningRun
from agriprices.warnings.queries import price_warnings
from sms_gateway.channels.inbound import simulate as simulate_sms
from sms_gateway.models import OutboundMessage
from tests import factories

SEASON = [5, 3, 0, -2, -4, -6, -8, -5, 0, 4, 6, 7]


def months_back(today: date, count: int) -> list[date]:
    """The first days of ``count`` complete months before today's, oldest first."""
    last = month_number(today) - 1
    return [month_of(n) for n in range(last - count + 1, last + 1)]


def price_of(month: date, i: int) -> Decimal:
    return Decimal(str(round(30 + 0.1 * i + SEASON[month.month - 1] * 0.3, 2)))


def load_series(commodity, market, today, *, count=48, last_factor=1.0) -> list[date]:
    """A monthly price on the 15th of each of ``count`` complete months; the last one
    times ``last_factor``."""
    months = months_back(today, count)
    for i, month in enumerate(months):
        factor = Decimal(str(last_factor)) if i == count - 1 else 1
        factories.QuoteFactory(
            commodity=commodity,
            market=market,
            price=price_of(month, i) * factor,
            observed_on=month.replace(day=15),
        )
    rebuild_latest_prices()
    return months


@pytest.fixture
def spike(potatoes, osh, today):
    """Four years of potatoes at Osh, the last month 40 % dear."""
    return load_series(potatoes, osh, today, last_factor=1.4)


def test_a_spike_is_computed_from_approved_prices(spike, potatoes, osh):
    refresh_warnings()
    newest = price_warnings(commodity=potatoes).get()
    assert newest.month == spike[-1]
    assert newest.alps_band in ("alert", "crisis")
    # The fit includes the month itself (WFP's way), so it takes part of the spike in.
    assert newest.above_normal_pct >= 20
    assert newest.season == "high"
    # Every month is stored; the first three years' say why there is no ALPS.
    assert PriceWarning.objects.count() == 48
    first = PriceWarning.objects.order_by("month").first()
    assert first.short_of == "1 months of history, 36 needed" and first.alps_band == ""


def test_recomputing_with_nothing_changed_writes_nothing(spike):
    assert refresh_warnings().changed == 48
    again = refresh_warnings()
    assert again.changed == 0 and again.series == 1


def test_a_price_held_for_review_is_not_in_the_warnings_until_approved(
    potatoes, osh, today, settings
):
    load_series(potatoes, osh, today, count=47)
    this_month = today.replace(day=1)
    agent = factories.agent(markets=[osh])
    refresh_warnings()
    # Four normal prices this month, then a slipped decimal point: flagged, held.
    for _ in range(4):
        factories.QuoteFactory(
            commodity=potatoes, market=osh, price=price_of(this_month, 47), observed_on=this_month
        )
    rebuild_latest_prices()
    typo = record_quote(
        agent=agent,
        commodity=potatoes,
        market=osh,
        unit=potatoes.base_unit,
        price=price_of(this_month, 47) * 10,
        observed_on=today,
        source=Quote.Source.WEB,
    )
    assert typo.status == Quote.Status.FLAGGED
    refresh_warnings(only_changed=True)
    month = PriceWarning.objects.get(month=this_month)
    assert month.alps_band == "normal"
    reviewer = factories.operator()
    review_quote(quote_id=typo.pk, reviewer=reviewer, approve=True)
    refresh_warnings(only_changed=True)
    month.refresh_from_db()
    assert month.price == price_of(this_month, 47)  # the median of five: still the usual
    assert month.computed_at is not None


def test_the_month_under_way_waits_for_a_few_prices(potatoes, osh, today):
    load_series(potatoes, osh, today, count=47)
    factories.QuoteFactory(commodity=potatoes, market=osh, price=99, observed_on=today)
    rebuild_latest_prices()
    refresh_warnings()
    assert not PriceWarning.objects.filter(month=today.replace(day=1)).exists()


def test_the_nightly_run_recomputes_only_series_that_changed(spike, potatoes, bishkek, today):
    load_series(potatoes, bishkek, today)
    assert refresh_warnings(only_changed=True).series == 2  # first run: all
    assert refresh_warnings(only_changed=True).series == 0
    quote = Quote.objects.filter(market=bishkek).latest("observed_on")
    review_quote(
        quote_id=quote.pk, reviewer=factories.operator(), approve=False, reason="wrong market"
    )
    run = refresh_warnings(only_changed=True)
    assert run.series == 1
    assert WarningRun.objects.filter(finished_at__isnull=False).count() == 3


def test_a_series_with_every_price_rejected_keeps_no_warnings(potatoes, osh, today):
    load_series(potatoes, osh, today, count=3)
    refresh_warnings()
    reviewer = factories.operator()
    for quote in Quote.objects.all():
        review_quote(quote_id=quote.pk, reviewer=reviewer, approve=False, reason="x")
    refresh_warnings(only_changed=True)
    assert not PriceWarning.objects.exists()


# --- SMS ---------------------------------------------------------------------------------


def follow(commodity, market, phone, language="en", **fields):
    subscriber = factories.SubscriberFactory(phone=phone, **fields)
    factories.SubscriptionFactory(
        subscriber=subscriber, commodity=commodity, market=market, language=language
    )
    return subscriber


def test_followers_get_one_sms_when_the_band_rises_to_alert_or_crisis(
    spike, potatoes, osh, bishkek
):
    follow(potatoes, osh, "+996555000001")
    follow(potatoes, osh, "+996555000002", language="ru")
    follow(potatoes, osh, "+996555000003", opted_out=True)
    follow(potatoes, bishkek, "+996555000004")  # another market: not told
    refresh_warnings()
    sent = {m.to: m.body for m in OutboundMessage.objects.all()}
    assert set(sent) == {"+996555000001", "+996555000002"}
    month_name = spike[-1].strftime("%B")
    assert sent["+996555000001"].startswith(("ALERT, ", "CRISIS, "))
    assert month_name in sent["+996555000001"]
    assert "Potatoes Osh" in sent["+996555000001"] and "above normal" in sent["+996555000001"]
    assert "выше нормы" in sent["+996555000002"]
    # The next run, or one that finds the band higher still, sends nothing more.
    PriceWarning.objects.update(alps_band="stress")
    refresh_warnings()
    assert OutboundMessage.objects.count() == 2


def test_no_sms_about_old_history(potatoes, osh, today):
    follow(potatoes, osh, "+996555000001")
    # The spike was a year ago; since then prices are back to normal.
    months = months_back(today, 60)
    for i, month in enumerate(months):
        factor = Decimal("1.5") if i == 47 else 1
        factories.QuoteFactory(
            commodity=potatoes,
            market=osh,
            price=price_of(month, i) * factor,
            observed_on=month.replace(day=15),
        )
    rebuild_latest_prices()
    refresh_warnings()
    assert PriceWarning.objects.filter(alps_band__in=["alert", "crisis"]).exists()
    assert not OutboundMessage.objects.exists()


@pytest.fixture
def monthly(spike, potatoes, osh):
    """Osh prices potatoes once a month, as the series has it: its latest price, on the
    15th of last month, is not old for that plan (a weekly one would call it stale from
    the 7th on, and a stale price's reply says nothing of the season)."""
    plan = CollectionPlan.objects.create(
        market=osh,
        kind="every",
        every_days=30,
        starts_on=spike[-1].replace(day=15),
        weekdays="",
        effective_from=date(2000, 1, 1),
    )
    PlannedItem.objects.create(plan=plan, commodity=potatoes)
    return spike


def test_a_farmers_price_reply_says_high_for_the_season(monthly, potatoes, osh):
    refresh_warnings()
    # The latest price is in the spike's month: the reply says what the warnings make of it.
    _, reply = simulate_sms(sender="+996555000009", body="potatoes osh")
    assert "High for the season" in reply
    factories.SubscriberFactory(phone="+996555000008", language="ru")
    _, reply = simulate_sms(sender="+996555000008", body="potatoes osh")
    assert "Дорого для сезона" in reply


def test_the_reply_follows_a_recomputation_at_once(monthly, potatoes, osh):
    _, reply = simulate_sms(sender="+996555000009", body="potatoes osh")
    assert "for the season" not in reply  # no warnings computed yet
    refresh_warnings()
    _, reply = simulate_sms(sender="+996555000009", body="potatoes osh")
    assert "High for the season" in reply


# --- The command ---------------------------------------------------------------------------


def test_the_command_computes_now_and_prints_the_table(spike, potatoes, osh, bishkek, today):
    load_series(potatoes, bishkek, today, count=20)
    out = io.StringIO()
    call_command("price_warnings", "--commodity", "potatoes", stdout=out)
    text = out.getvalue()
    assert "Potatoes @ Osh (retail)" in text and "Potatoes @ Bishkek (retail)" in text
    osh_line = next(line for line in text.splitlines() if "@ Osh" in line)
    assert ("crisis" in osh_line or "alert" in osh_line) and "enough" in osh_line
    bishkek_line = next(line for line in text.splitlines() if "@ Bishkek" in line)
    assert "20 months of history, 36 needed" in bishkek_line
    assert "2 series computed" in text


def test_the_command_refuses_an_unknown_name(db):
    with pytest.raises(Exception, match="no market called 'Atlantis'"):
        call_command("price_warnings", "--market", "Atlantis", stdout=io.StringIO())


def test_selectors_list_only_recent_series(potatoes, osh, today):
    months = months_back(today - timedelta(days=31 * 8), 40)
    for i, month in enumerate(months):
        factories.QuoteFactory(
            commodity=potatoes, market=osh, price=price_of(month, i), observed_on=month
        )
    rebuild_latest_prices()
    refresh_warnings()
    assert PriceWarning.objects.count() == 40
    # No price in the last six months: it says nothing about today.
    assert not price_warnings().exists()
    assert price_warnings(month=months[-1]).count() == 1
