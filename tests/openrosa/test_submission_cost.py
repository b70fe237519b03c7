"""What a Collect form costs the database, pinned: phones in a market send forms in
bursts, and each one holds a transaction open while it runs. A change that adds a query
to every form, or to every price of a form, fails here and has to say why it must."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agriprices.models import AgentProfile, LatestPrice, Quote
from agriprices.services.series import rebuild_latest_prices
from openrosa import keys
from tests import factories
from tests.openrosa.test_collect import Collect

pytestmark = pytest.mark.django_db

#: Read once for a form, however many prices it holds: the key and its account (1), the
#: account's permissions, its own and its groups' (2, as Django reads them), the market
#: (1), the account's right to record there (1), the form's crops with their base units
#: (1), its units (1), the quotes its external ids already name, for a form sent again
#: (1), and the savepoint of the form's all-or-nothing transaction and its release (2;
#: the test runs in a transaction, so the form's own is a savepoint here, nothing in
#: production).
PER_FORM = 10
#: Each price's own: the agent's live price of that crop and day, for the duplicate rule
#: (1); the market's recent prices, for the outlier rule (1, when the market has enough
#: of its own); the savepoint that lets a lost race be told as a duplicate, and its
#: release (2); the quote and its event (2); the series' newest approved price (1); its
#: latest price, with the week and month references read inside the same UPDATE (1);
#: its week and month summaries, read, deleted and written for both periods at once (3).
PER_PRICE = 11

CROPS = ("potatoes", "onions", "carrots")


@pytest.fixture
def priced(field, osh, days_ago, kg):
    """Three crops with weeks of prices at Osh: enough of the market's own for the
    outlier rule, and a latest price each, as in a market that has been running."""
    for name in CROPS[1:]:
        crop = factories.CommodityFactory(name=name.title(), base_unit=kg)
        for ago in range(40, 0, -3):
            factories.QuoteFactory(commodity=crop, market=osh, price=30, observed_on=days_ago(ago))
    rebuild_latest_prices()
    return field


def _queries_of(collect, form, *, crops, day):
    instance = Collect.fill(
        form, market="osh", observed_on=day.isoformat(), prices=[(c, "kg", "31") for c in crops]
    )
    with CaptureQueriesContext(connection) as queries:
        response, message = collect.submit(instance)
    assert response.status_code == 201, message
    assert message == f"Thank you: {len(crops)} price{'s' * (len(crops) > 1)} recorded at Osh."
    return len(queries)


def test_a_form_costs_a_few_queries_and_each_price_a_few_more(client, priced, days_ago):
    token = keys.issue_key(agent=priced, name="Aibek's Samsung", by=priced).token
    collect = Collect(client, key=token)
    form = collect.blank_form()  # the key's first use is noted here, not in a form
    one = _queries_of(collect, form, crops=CROPS[:1], day=days_ago(1))
    three = _queries_of(collect, form, crops=CROPS, day=days_ago(0))
    assert (one, three) == (PER_FORM + PER_PRICE, PER_FORM + 3 * PER_PRICE)
    # Nothing was skipped to get there: every price is stored and is its series' latest.
    assert Quote.objects.filter(source="collect").count() == 4
    latest = LatestPrice.objects.filter(market__slug="osh").values_list(
        "commodity__slug", "quote__source"
    )
    assert dict(latest) == dict.fromkeys(CROPS, "collect")


def test_rights_held_directly_or_through_a_group_are_both_read(client, field, osh, bishkek):
    """The account's permissions, its own and its groups': an operator's (through the
    operators' group) let it record at any market, a right given to the account itself
    lets it record at its own."""
    boss = factories.operator("nurlan")
    direct = factories.UserFactory(username="direct")
    direct.user_permissions.add(
        Permission.objects.get(content_type__app_label="agriprices", codename="add_quote")
    )
    AgentProfile.objects.create(user=direct).markets.add(osh)
    for user, market in ((boss, "bishkek"), (direct, "osh")):
        collect = Collect(client, key=keys.issue_key(agent=user, name="phone", by=user).token)
        response, message = collect.send(
            collect.blank_form(), prices=[("potatoes", "kg", "31")], market=market
        )
        assert response.status_code == 201, message
    assert set(
        Quote.objects.filter(source="collect").values_list("agent__username", "market__slug")
    ) == {
        ("nurlan", "bishkek"),
        ("direct", "osh"),
    }
