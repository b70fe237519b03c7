"""The warnings over a real WFP price file (Belarus, Minsk, 2009-2022), imported the way
an operator imports it: how often each band fires, and whether it fires when prices
really spiked (Belarus' 2011 currency crisis: food prices more than doubled)."""

import io
from collections import Counter

import pytest
from django.core.management import call_command

from agriprices.models import Quote
from agriprices.services.reviewing import review_quote
from agriprices.warnings.computation import refresh_warnings
from agriprices.warnings.models import PriceWarning
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def belarus(wfp_file):
    call_command(
        "import_prices", str(wfp_file), "--format", "wfp",
        stdout=io.StringIO(),
    )  # fmt: skip
    # An operator confirms the prices held for review (Belarus' 2011-12 inflation and the
    # early-summer potato prices were real), as the review queue lets them.
    reviewer = factories.operator()
    for quote in Quote.objects.filter(status=Quote.Status.FLAGGED):
        review_quote(quote_id=quote.pk, reviewer=reviewer, approve=True)
    refresh_warnings()
    return PriceWarning.objects.select_related("commodity")


def test_every_commodity_is_judged_once_it_has_three_years(belarus):
    judged = Counter(w.commodity.name for w in belarus if not w.short_of)
    assert set(judged) == {"Bread (high grade flour)", "Potatoes", "Wheat flour"}
    assert all(count >= 60 for count in judged.values())
    # The first 35 months of each series are "not enough history", never a normal band.
    assert all(w.alps_band == "" for w in belarus if w.short_of)


def test_normal_is_what_most_months_are_and_crisis_is_rare(belarus):
    bands = Counter(w.alps_band for w in belarus if not w.short_of)
    total = sum(bands.values())
    assert bands["normal"] == max(bands.values())
    assert bands["crisis"] / total < 0.15


def test_the_2011_crisis_is_said_as_soon_as_the_history_allows(belarus):
    bread = [w for w in belarus if w.commodity.name == "Bread (high grade flour)"]
    # Bread doubled during 2011, while the series was under three years old: "not enough
    # history", never a silent normal.
    in_2011 = [w for w in bread if w.month.year == 2011 and w.month.month < 12]
    assert in_2011 and all(w.short_of and w.alps_band == "" for w in in_2011)
    # The first month with three years, December 2011, finds bread in alert, and the
    # second half of 2012 (prices still climbing) too.
    first = min((w for w in bread if not w.short_of), key=lambda w: w.month)
    assert (first.month.isoformat(), first.alps_band) == ("2011-12-01", "alert")
    late_2012 = [w.alps_band for w in bread if w.month.year == 2012 and w.month.month >= 7]
    assert set(late_2012) == {"alert"}
