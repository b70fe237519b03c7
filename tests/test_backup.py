"""Backup and restore: everything comes back into an empty database, nothing lost."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from agriprices.models import (
    AgentProfile,
    Commodity,
    CommodityAlias,
    LatestPrice,
    Market,
    PriceSummary,
    Quote,
    QuoteEvent,
)
from agriprices.services.recording import record_quote
from agriprices.services.reviewing import review_quote
from sms_gateway.channels.inbound import receive as receive_sms
from sms_gateway.models import InboundMessage, OutboundMessage, Subscriber, Subscription
from sms_gateway.services import register_agent_phone
from telecentre.models import Bulletin
from tests import factories
from tests.factories import CommodityFactory, MarketFactory, agent, operator, unit

MODELS = [
    get_user_model(),
    AgentProfile,
    Commodity,
    CommodityAlias,
    Market,
    Quote,
    QuoteEvent,
    LatestPrice,
    PriceSummary,
    Subscriber,
    Subscription,
    InboundMessage,
    OutboundMessage,
    Bulletin,
]


def snapshot():
    rows = {model.__name__: sorted(model.objects.values_list(), key=repr) for model in MODELS}
    rows["groups"] = sorted(
        get_user_model().objects.values_list("username", "groups__name"), key=repr
    )
    return rows


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_an_empty_database_loses_nothing(tmp_path, today):
    osh, potato = MarketFactory(name="Osh"), CommodityFactory(name="Potatoes")
    potato.aliases.create(name="картошка", language="ru")
    aibek = agent(markets=[osh], username="aibek")
    register_agent_phone(user=aibek, phone="+996555700001", pin="1234")
    for days, price in ((14, "30"), (7, "31"), (0, "93")):
        record_quote(
            agent=aibek,
            commodity=potato,
            market=osh,
            unit=unit("kg"),
            price=Decimal(price),
            observed_on=today - timezone.timedelta(days=days),
            source=Quote.Source.WEB,
        )
    flagged = Quote.objects.get(price=Decimal("93"))
    review_quote(quote_id=flagged.pk, reviewer=operator("olga"), approve=False, reason="typo")
    receive_sms(
        provider="twilio", provider_sid="SM1", sender="+996555100200", body="SUB POTATO OSH"
    )
    bulletin = factories.BulletinFactory(
        title="Frost", body="Cover seedlings", category="weather", language="en"
    )
    bulletin.regions.set([osh.region])
    before = snapshot()
    assert before["Subscription"] and before["QuoteEvent"] and before["PriceSummary"]

    with pytest.raises(CommandError, match=".backup"):
        call_command("backup", str(tmp_path / "prices.json"), stdout=io.StringIO())
    path = tmp_path / "prices.backup.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="empty one"):
        call_command("restore", str(path), stdout=io.StringIO())
    call_command("flush", "--noinput", verbosity=0)
    assert not Quote.objects.exists()
    out = io.StringIO()
    call_command("restore", str(path), stdout=out)
    assert "Restored 3 quotes and 1 subscribers" in out.getvalue()
    after = snapshot()
    for name in before:
        assert after[name] == before[name], name
    # The restored service works: the agent's PIN and the subscriber's subscription.
    reply = receive_sms(
        provider="twilio",
        provider_sid="SM2",
        sender="+996555700001",
        body="P POTATO OSH 32 KG 1234",
    ).reply
    assert reply.startswith("Recorded")
