"""Market agents report prices by SMS; every number is held to its limits."""

import io
import itertools
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from agriprices.models import AgentProfile, CommodityAlias, MarketAlias, Quote
from sms_gateway.channels import inbound
from sms_gateway.models import InboundMessage
from sms_gateway.segments import count_segments
from tests import factories

pytestmark = pytest.mark.django_db
AGENT_PHONE = "+996555700001"
sids = (f"SM{n}" for n in itertools.count())


@pytest.fixture
def field_agent(agent, potatoes, osh, bishkek):
    call_command(
        "sms_agent",
        agent.username,
        "--phone",
        "0555 700 001",
        "--pin",
        "2468",
        stdout=io.StringIO(),
    )
    return agent


def text(body, sender=AGENT_PHONE, sid=None):
    return inbound.receive(
        provider="test", provider_sid=sid or next(sids), sender=sender, body=body
    )


def test_an_agent_reports_a_price_like_the_web_form(field_agent, potatoes, today):
    message = text("P POTATOES OSH 18.5 KG 2468")
    quote = Quote.objects.get()
    assert (quote.agent, quote.source, quote.status, quote.price) == (
        field_agent,
        "sms",
        "approved",
        Decimal("18.5"),
    )
    assert message.reply == f"Recorded: Potatoes Osh 18.5 KGS/kg {today:%d.%m}"
    assert message.body == "P POTATOES OSH 18.5 KG ****"  # the PIN is never stored


def test_a_cyrillic_report_in_a_bag_unit(field_agent, potatoes, osh):
    factories.unit("bag50kg")
    CommodityAlias.objects.create(commodity=potatoes, name="картошка")
    MarketAlias.objects.create(market=osh, name="ош")
    text("Р картошка ош 900 bag50kg 2468")  # Cyrillic Р
    quote = Quote.objects.get()
    assert (quote.unit.code, quote.price_per_base_unit) == ("bag50kg", Decimal("18"))


def test_a_retried_report_is_recorded_once(field_agent, potatoes):
    first = text("P POTATOES OSH 18.5 KG 2468", sid="SM-retry")
    again = text("P POTATOES OSH 18.5 KG 2468", sid="SM-retry")
    assert again.reply == first.reply and Quote.objects.count() == 1


def test_the_rules_of_record_quote_apply(field_agent, potatoes):
    reply = text("P POTATOES BISHKEK 18.5 KG 2468").reply
    assert reply == "Not recorded: you are not assigned to the market Bishkek"
    assert not Quote.objects.exists()


def test_a_price_already_recorded_is_named_with_its_price_type(field_agent, potatoes, today):
    """A crop may have a price of each type on a day: the refusal says which one it
    has already (a retail one is the usual, unnamed)."""
    text("P POTATOES OSH 700 KG WHOLESALE 2468")
    text("P POTATOES OSH 30 KG 2468")
    wholesale = text("P POTATOES (WHOLESALE) OSH 701 KG 2468").reply
    assert (
        f"Potatoes at Osh is already recorded for {today.isoformat()}: 700 KGS/kg (wholesale)."
        in wholesale
    )
    retail = text("P POTATOES OSH 31 KG 2468").reply
    assert f"{today.isoformat()}: 30 KGS/kg." in retail
    assert Quote.objects.count() == 2


def test_a_refusal_reads_in_the_agents_language_reason_included(field_agent, potatoes):
    """Acted on in the reply's language: the reason record_quote gives is Russian too."""
    text("LANG RU")
    reply = text("P POTATOES BISHKEK 18.5 KG 2468").reply
    assert "вы не закреплены за рынком" in reply and "assigned" not in reply
    assert not Quote.objects.exists()


def test_an_outlier_is_recorded_for_review(field_agent, potatoes, osh, days_ago):
    for n in range(2, 7):
        factories.QuoteFactory(commodity=potatoes, market=osh, price=18, observed_on=days_ago(n))
    reply = text("P POTATOES OSH 185 KG 2468").reply
    assert reply.startswith("Recorded for review: Potatoes Osh 185 KGS/kg")
    assert reply.endswith("It is 10.3 times the recent median (18); an operator will check it.")
    assert count_segments(reply).encoding == "GSM-7"  # no "×" to make it cost double
    assert Quote.objects.get(price=185).status == "flagged"


def test_a_price_far_below_the_median_is_said_as_a_share_below_never_0_times(
    field_agent, potatoes, osh, days_ago
):
    for n in range(2, 7):
        factories.QuoteFactory(commodity=potatoes, market=osh, price=90, observed_on=days_ago(n))
    reply = text("P POTATOES OSH 0.5 KG 2468").reply
    assert reply.endswith("It is 99% below the recent median (90); an operator will check it.")


def test_an_agent_hears_why_a_price_is_held_in_his_language(field_agent, potatoes, osh, days_ago):
    """The stored reason is English, the operators' record; the agent's is his own."""
    for n in range(2, 7):
        factories.QuoteFactory(commodity=potatoes, market=osh, price=18, observed_on=days_ago(n))
    text("LANG RU")
    reply = text("P POTATOES OSH 185 KG 2468").reply
    assert "10.3" in reply and "оператор" in reply and "median" not in reply, reply
    assert count_segments(reply).segments <= 3


def test_five_wrong_pins_lock_reports_for_the_hour(field_agent, potatoes):
    replies = [text("P POTATOES OSH 18.5 KG 1111").reply for _ in range(5)]
    assert replies[:4] == ["Wrong PIN. Nothing recorded."] * 4
    assert replies[4] == "Too many wrong PINs: reports locked for an hour."
    assert text("P POTATOES OSH 18.5 KG 2468").reply == replies[4]  # even the right one
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("P POTATOES OSH 18.5 KG", "Add your PIN: P POTATO OSH 18.5 KG 1234"),
        ("P POTATOES OSH KG 2468", "Add the price: P POTATO OSH 18.5 KG 1234"),
        ("P TRACTORS OSH 18.5 KG 2468", "Crop or market not found. Nothing recorded."),
        (
            "P POTATOES OSH 18.5 furlongs 2468",
            "Unknown unit or price type: FURLONGS. Nothing recorded.",
        ),
        # A price type misspelt is said back, not taken for a unit alone.
        (
            "P POTATOES OSH 18.5 KG WHOLESLE 2468",
            "Unknown unit or price type: KG WHOLESLE. Nothing recorded.",
        ),
        (
            "P POTATOES OSH 18.5 L 2468",
            "Not recorded: unit l cannot be converted to kg, the unit Potatoes is priced by",
        ),
    ],
)
def test_bad_reports_say_why_and_record_nothing(field_agent, potatoes, body, reply):
    factories.unit("l")
    assert text(body).reply.startswith(reply[:60])
    assert not Quote.objects.exists()


@pytest.mark.parametrize("price", ["1,000", "1.000", "12,500", "1,000,000"])
def test_a_price_that_reads_a_thousand_times_off_in_another_language_is_asked_again(
    field_agent, potatoes, price
):
    """ "1,000" is a thousand to an English reader and one to a Russian one."""
    reply = text(f"P POTATOES OSH {price} KG 2468").reply
    assert reply == "Unclear price: write 1000 (no separator) or 18.5. Nothing recorded."
    assert not Quote.objects.exists()
    text("LANG RU")
    reply = text(f"P POTATOES OSH {price} KG 2468").reply
    assert reply.startswith("Цена неясна") and "1000" in reply, reply
    assert not Quote.objects.exists()
    text("P POTATOES OSH 1000 KG 2468")
    assert Quote.objects.get().price == 1000


def test_a_thousand_written_with_a_space_is_unclear_not_an_unknown_unit(field_agent, potatoes):
    """How ru, ky and fr write a thousand: the price is what to fix, not the unit."""
    reply = text("P POTATOES OSH 1 000 KG 2468").reply
    assert reply.startswith("Unclear price"), reply
    assert text("P POTATOES OSH 18 furlongs 2468").reply.startswith("Unknown unit")
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "P POTATOES OSH 18 KG 2468 thanks",
        "P 2468 POTATOES OSH 18 KG",
        "P POTATOES OSH 18 2468 KG",
        "P POTATOES OSH 18 KG PIN2468",
        "P POTATOES OSH 18 KG,2468",
        "2468 P POTATOES OSH 18 KG",  # not read as a report at all
        "П КАРТОШКА ОШ 18 КГ 2468",  # a Cyrillic П, not Р
        "P POTATOES 18 2468",  # too few words for a report
        "P POTATOES OSH PIN 2468 18 KG 2468",  # the PIN twice: the first is no price
    ],
)
def test_a_pin_written_anywhere_in_a_report_is_never_kept(field_agent, potatoes, body):
    message = text(body)
    assert "2468" not in message.body and "****" in message.body
    assert "18" in message.body  # the price stays, for the operator reading the log


@pytest.mark.parametrize(
    "body",
    [
        "P POTATOES OSH 18 KG PIN 2468",
        "P POTATOES OSH 18 KG PIN: 2468",
        "P POTATOES OSH 18 KG PIN2468",
        "P POTATOES OSH 18 KG ПИН 2468",
        "P POTATOES OSH 18 KG код 2468",
        "P POTATOES OSH 18 KG ПИН-КОД 2468",
        "P POTATOES OSH 18 KG code PIN 2468",
        "P POTATOES OSH 18 KG PINCODE 2468",
        "P POTATOES OSH 18 KG ٢٤٦٨",  # Arabic-Indic digits, as some phones' keypads type
        "P POTATOES OSH 18 KG ２４６８",  # fullwidth
    ],
)
def test_the_pin_is_read_as_agents_write_it(field_agent, potatoes, today, body):
    """The word "PIN" before it, as the reminders write it, is no unit; the PIN in other
    digits is the same PIN, never a wrong one counted toward the lock."""
    reply = text(body).reply
    # "ПИН" and "код" are Russian: so is the reply.
    assert reply.partition(": ")[::2] in [
        (said, f"Potatoes Osh 18 KGS/kg {today:%d.%m}") for said in ("Recorded", "Записано")
    ], reply
    assert Quote.objects.get().price == 18


def test_the_agent_hears_the_price_exactly_as_recorded(field_agent, potatoes, today):
    """A farmer's answer rounds; the agent checks what was meant."""
    reply = text("P POTATOES OSH 1250,5 KG 2468").reply
    assert reply == f"Recorded: Potatoes Osh 1250.5 KGS/kg {today:%d.%m}"
    assert Quote.objects.get().price == Decimal("1250.5")


def test_why_a_price_was_refused_reaches_a_russian_agent_whole(field_agent, potatoes):
    """In more segments if it must: cut at 70 Cyrillic characters, the advice was lost."""
    text("LANG RU")
    text("P POTATOES OSH 18 KG 2468")
    reply = text("P POTATOES OSH 19 KG 2468").reply
    assert not reply.endswith(".."), reply
    assert "исправление" in reply and count_segments(reply).segments > 1, reply
    assert Quote.objects.get().price == 18


def test_a_report_reads_every_word_of_long_names_never_the_first_eight_alone(
    field_agent, potatoes, osh
):
    """Cut at eight words, "... Osh central wholesale bazaar number two" named Osh."""
    oil = factories.CommodityFactory(name="Refined deodorised sunflower oil")
    bazaar = factories.MarketFactory(name="Osh central wholesale bazaar number two")
    field_agent.agent_profile.markets.add(bazaar)
    text(f"P {oil.name} {bazaar.name} 180 KG 2468".upper())
    quote = Quote.objects.get()
    assert (quote.commodity, quote.market) == (oil, bazaar)
    words = " ".join(["OSH"] * 17)
    assert text(f"P POTATOES {words} 18 KG 2468").reply == (
        "Crop or market not found. Nothing recorded."
    )
    assert Quote.objects.count() == 1


def test_a_report_starting_with_a_cyrillic_pe_is_a_report(field_agent, potatoes):
    """П sounds like P to a Russian or Kyrgyz agent; Р looks like it."""
    reply = text("П POTATOES OSH 18 KG 2468").reply
    assert reply.startswith("Записано: Potatoes Osh 18 KGS/kg"), reply  # a Cyrillic letter
    assert Quote.objects.get().price == 18


def test_a_report_naming_more_than_a_known_market_records_nothing(field_agent, potatoes, osh):
    """Never at Osh for "Osh central bazaar" that is not in the catalogue: a price is
    recorded where it was named, or not at all."""
    reply = text("P POTATOES OSH CENTRAL BAZAAR NORTH 18 KG 2468").reply
    assert reply == "Not found: CENTRAL NORTH. Nothing recorded.", reply
    assert not Quote.objects.exists()
    assert text("P POTATOES OSH BAZAAR 18 KG 2468").reply.startswith("Recorded: Potatoes Osh")


def test_words_not_found_in_a_report_are_said_back_as_the_agent_wrote_them(
    field_agent, potatoes, osh
):
    """Folding is for matching: "ЧУИБУ" and "НОВЫИ" are not what the agent wrote."""
    reply = text("P POTATOES OSH ЧҮЙБҮ НОВЫЙ 18 KG 2468").reply
    assert reply == "Табылган жок: ЧҮЙБҮ НОВЫЙ. Эч нерсе жазылган жок.", reply  # in Kyrgyz
    assert not Quote.objects.exists()


def test_a_report_naming_two_markets_records_nothing(field_agent, potatoes, osh, bishkek):
    """Never at the first one named: the agent may have meant the other."""
    reply = text("P POTATOES OSH BISHKEK 18 KG 2468").reply
    assert reply == "Name one crop and one market. Nothing recorded."
    assert not Quote.objects.exists()


def test_a_number_that_is_no_agent_cannot_report(potatoes, osh):
    assert text("P POTATOES OSH 18.5 KG 2468", sender="+996555999999").reply == (
        "This number may not report prices."
    )


@pytest.mark.parametrize(
    "body",
    [
        "p potatoes osh price",
        "P potatoes osh 18.5",  # no PIN: not a report from a farmer
        "р картошка ош цена",  # a Cyrillic Р
    ],
)
def test_a_farmer_starting_with_p_is_asked_as_a_question(potatoes, osh, a_price, body):
    potatoes.aliases.create(name="картошка", language="ru")
    osh.aliases.create(name="ош", language="ru")
    message = text(body, sender="+996555999998")
    assert message.action == "query"
    assert message.reply.startswith("Potatoes Osh: 18"), message.reply
    assert not Quote.objects.filter(source=Quote.Source.SMS).exists()


def test_an_agent_still_hears_what_a_report_lacks(field_agent, potatoes):
    assert text("P POTATOES OSH 18.5").reply == "Add your PIN: P POTATO OSH 18.5 KG 1234"
    assert text("p potatoes osh price 2468").reply.startswith("Add the price")


def test_sms_agent_command_refuses_bad_input(agent, db):
    with pytest.raises(CommandError, match="4 to 8 digits"):
        call_command("sms_agent", agent.username, "--phone", "+996555700001", "--pin", "12")
    with pytest.raises(CommandError, match="not a"):
        call_command("sms_agent", agent.username, "--phone", "call me", "--pin", "1234")
    other = factories.agent(username="other")
    call_command(
        "sms_agent",
        other.username,
        "--phone",
        "+996555700001",
        "--pin",
        "1234",
        stdout=io.StringIO(),
    )
    with pytest.raises(CommandError, match="belongs to another agent"):
        call_command("sms_agent", agent.username, "--phone", "+996555700001", "--pin", "1234")


def test_queries_per_hour_are_limited_per_number(settings, potatoes):
    settings.SMS_MAX_QUERIES_PER_HOUR = 3
    replies = [text("HELP", sender="+996555800001").reply for _ in range(5)]
    assert all(replies[:3])
    assert replies[3] == "Too many messages from this number. Try again later."
    assert replies[4] == ""  # one notice, then silence
    assert text("HELP", sender="+996555800002").reply  # another number is not affected
    assert InboundMessage.objects.filter(action="limited").count() == 2


def test_an_agents_number_may_report_a_round_past_a_farmers_limits(
    settings, field_agent, osh, bishkek
):
    """A round is one SMS a price, each answered: an agent's number is held to the
    agents' limits, a farmer's to the farmers' (found by an independent try: an agent
    was told "Too many messages" halfway through a round)."""
    settings.SMS_MAX_QUERIES_PER_HOUR, settings.SMS_MAX_SEGMENTS_PER_DAY = 3, 3
    settings.SMS_AGENT_MAX_QUERIES_PER_HOUR, settings.SMS_AGENT_MAX_SEGMENTS_PER_DAY = 8, 8
    names = ["Apricots", "Barley", "Cherries", "Dates", "Garlic", "Lentils", "Millet"]
    names += ["Oats", "Pears", "Quinces"]
    crops = [factories.CommodityFactory(name=name) for name in names]
    replies = [text(f"P {name} OSH {20 + n} KG 2468").reply for n, name in enumerate(names)]
    assert all(reply.startswith("Recorded:") for reply in replies[:8]), replies
    assert replies[8] == "Too many messages from this number. Try again later."
    assert replies[9] == ""
    assert Quote.objects.filter(commodity__in=crops).count() == 8
    farmer = [text("HELP", sender="+996555800011").reply for _ in range(5)]
    assert all(farmer[:3]) and farmer[3].startswith("Too many") and farmer[4] == ""


@pytest.mark.parametrize(
    ("body", "notice"),
    [
        # A report is answered in the agent's language, whatever its words: so is the
        # notice it gets past the limit.
        ("P POTATOES OSH 18.5 KG 2468", "Өтө көп билдирүү. Кийинчерээк жазыңыз."),
        # A question is answered in the language it is written in, as a farmer's is.
        ("HELP", "Too many messages from this number. Try again later."),
    ],
)
def test_an_agent_past_the_limit_is_told_in_the_language_of_its_answers(
    settings, field_agent, potatoes, body, notice
):
    settings.SMS_MAX_QUERIES_PER_HOUR, settings.SMS_AGENT_MAX_QUERIES_PER_HOUR = 1, 2
    AgentProfile.objects.filter(user=field_agent).update(language="ky")
    replies = [text(body).reply for _ in range(4)]
    assert replies[2] == notice
    assert replies[3] == ""


def test_agents_limits_set_below_the_farmers_leave_an_agent_the_farmers(
    settings, field_agent, potatoes
):
    """A deployer who raises the farmers' limit alone: an agent's number keeps the
    farmers' limits, and still gets its notice (helper-58: it was silenced without)."""
    settings.SMS_MAX_QUERIES_PER_HOUR, settings.SMS_AGENT_MAX_QUERIES_PER_HOUR = 4, 2
    replies = [text(f"P POTATOES OSH {18 + n} KG 2468").reply for n in range(6)]
    assert all(replies[:4]), replies
    assert replies[4] == "Too many messages from this number. Try again later."
    assert replies[5] == ""


def test_a_deactivated_agents_number_is_a_farmers_again(settings, field_agent, potatoes):
    """Its PIN kept, it has neither the agents' limits nor the right to report."""
    settings.SMS_MAX_QUERIES_PER_HOUR, settings.SMS_AGENT_MAX_QUERIES_PER_HOUR = 2, 8
    field_agent.is_active = False
    field_agent.save()
    replies = [text("HELP").reply for _ in range(3)]
    assert replies[2] == "Too many messages from this number. Try again later."
    settings.SMS_MAX_QUERIES_PER_HOUR = 100
    assert text("P POTATOES OSH 18.5 KG 2468").reply == "This number may not report prices."
    assert not Quote.objects.exists()


def test_reply_segments_per_day_are_limited_per_number(settings, potatoes):
    settings.SMS_MAX_SEGMENTS_PER_DAY = 2
    replies = [text("HELP", sender="+996555800003").reply for _ in range(3)]
    assert replies[0] and replies[1] and replies[2] == ""


def test_no_reply_to_countries_outside_the_allow_list(settings, potatoes):
    settings.SMS_ALLOWED_COUNTRIES = ["KG"]
    message = text("HELP", sender="+447400123456")
    assert (message.action, message.reply) == ("ignored", "")
    assert text("HELP", sender="+996555800009").reply
    settings.SMS_ALLOWED_COUNTRIES = ["KG", "GB"]
    assert text("HELP", sender="+447400123457").reply


def test_an_agent_reports_from_their_whatsapp_number_as_by_sms(field_agent, potatoes, today):
    """Reminded on WhatsApp, an agent answers there: the number behind whatsapp: is the
    agent's phone, so the report is theirs and recorded like one sent by SMS."""
    message = text("P POTATOES OSH 18.5 KG 2468", sender=f"whatsapp:{AGENT_PHONE}")
    assert message.reply == f"Recorded: Potatoes Osh 18.5 KGS/kg {today:%d.%m}"
    assert Quote.objects.get().agent == field_agent
    # The PIN is checked there too, and nothing else is, for another WhatsApp number.
    assert text("P POTATOES OSH 19 KG 1111", sender=f"whatsapp:{AGENT_PHONE}").reply == (
        "Wrong PIN. Nothing recorded."
    )
    stranger = text("P POTATOES OSH 19 KG 2468", sender="whatsapp:+996555999999")
    assert stranger.reply == "This number may not report prices."
    assert Quote.objects.count() == 1


def test_a_telegram_chat_is_no_agent_even_with_the_pin(field_agent, potatoes, settings):
    settings.TELEGRAM_BOT_TOKEN = "123:abc"
    message = text("P POTATOES OSH 18.5 KG 2468", sender="telegram:700001")
    assert message.action == "report" and not Quote.objects.exists()


@pytest.mark.parametrize(
    ("body", "price_type", "said"),
    [
        ("P POTATOES OSH 38 KG WHOLESALE 2468", "wholesale", "38 KGS/kg (wholesale)"),
        ("P POTATOES OSH 38 wholesale kg 2468", "wholesale", "38 KGS/kg (wholesale)"),
        ("P POTATOES OSH 12 FARMGATE 2468", "farmgate", "12 KGS/kg (farm gate)"),
        ("P POTATOES OSH 12 kg farm gate 2468", "farmgate", "12 KGS/kg (farm gate)"),
        ("P POTATOES OSH 12 kg bord-champ 2468", "farmgate", "12 KGS/kg (farm gate)"),
        ("P POTATOES OSH 40 KG GROS 2468", "wholesale", "40 KGS/kg (wholesale)"),
        # Cyrillic words: answered in the language they reveal.
        ("Р POTATOES OSH 40 кг опт 2468", "wholesale", "40 KGS/kg (опт)"),
        ("P POTATOES OSH 40 kg дүң 2468", "wholesale", "40 KGS/kg (дүң)"),
        ("P POTATOES OSH 41 KG RETAIL 2468", "retail", "41 KGS/kg "),
        ("P POTATOES OSH 41 KG 2468", "retail", "41 KGS/kg "),
    ],
)
def test_a_report_may_name_its_price_type(field_agent, potatoes, body, price_type, said):
    reply = text(body).reply
    quote = Quote.objects.get()
    assert (quote.price_type, quote.unit.code) == (price_type, "kg")
    # Said back, so the agent sees which price was recorded (retail, the usual, is not).
    assert said in reply and "(retail)" not in reply


@pytest.mark.parametrize(
    ("body", "price_type"),
    [
        # As the reminders and the agent's page name the crop: "Potatoes (wholesale)".
        ("P POTATOES (WHOLESALE) OSH 38 KG 2468", "wholesale"),
        ("P Potatoes (farm gate) Osh 12 kg 2468", "farmgate"),
        ("P POTATOES [FARMGATE] OSH 12 2468", "farmgate"),
        ("P POTATOES {farm gate} OSH 12 2468", "farmgate"),
        # Named twice, the same type: recorded once, as that type.
        ("P POTATOES (WHOLESALE) OSH 38 KG WHOLESALE 2468", "wholesale"),
        ("P POTATOES OSH 38 KG WHOLESALE WHOLESALE 2468", "wholesale"),
        ("P POTATOES (RETAIL) OSH 41 KG 2468", "retail"),
    ],
)
def test_a_price_type_in_brackets_beside_the_crop_is_read(field_agent, potatoes, body, price_type):
    text(body)
    assert Quote.objects.get().price_type == price_type


def test_a_crop_whose_own_name_ends_in_a_price_type_word_keeps_it(field_agent, potatoes, osh):
    """A crop named "Яйца (ферма)" is a crop of its own, not eggs at the farm gate."""
    farm_eggs = factories.CommodityFactory(name="Farm eggs", base_unit=potatoes.base_unit)
    farm_eggs.aliases.create(name="Яйца (ферма)", language="ru")
    eggs = factories.CommodityFactory(name="Eggs", base_unit=potatoes.base_unit)
    eggs.aliases.create(name="Яйца", language="ru")
    text("P ЯЙЦА (ФЕРМА) OSH 12 КГ 2468")
    quote = Quote.objects.get()
    assert (quote.commodity, quote.price_type) == (farm_eggs, "retail")
    # And with its own price type in brackets beside it.
    text("P ЯЙЦА (ФЕРМА) (ОПТ) OSH 10 КГ 2468")
    quote = Quote.objects.get(price=10)
    assert (quote.commodity, quote.price_type) == (farm_eggs, "wholesale")


TWO_TYPES = "Two price types named: write one, after the price. Nothing recorded."


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("P POTATOES (FARM GATE) OSH 38 KG WHOLESALE 2468", TWO_TYPES),
        ("P POTATOES (WHOLESALE) OSH 38 KG RETAIL 2468", TWO_TYPES),
        ("P POTATOES (WHOLESALE) (FARM GATE) OSH 38 KG 2468", TWO_TYPES),
        ("P POTATOES OSH 38 KG WHOLESALE FARMGATE 2468", TWO_TYPES),
        # In the language its words reveal.
        (
            "P POTATOES OSH 38 KG ОПТ ФЕРМА 2468",
            "Указаны два типа цены: напишите один, после цены. Ничего не записано.",
        ),
    ],
)
def test_two_price_types_record_nothing(field_agent, potatoes, body, reply):
    """Which one was meant is the agent's to say, never ours to guess."""
    assert text(body).reply == reply
    assert not Quote.objects.exists()


def test_a_price_type_word_in_an_unknown_market_name_is_no_price_type(field_agent, potatoes, osh):
    """Without brackets, "wholesale" among the names may be part of a market we do not
    know ("Osh Wholesale"): nothing is recorded at Osh."""
    assert text("P POTATOES OSH WHOLESALE 38 KG 2468").reply == (
        "Not found: WHOLESALE. Nothing recorded."
    )
    assert not Quote.objects.exists()


def test_a_kyrgyz_agent_is_answered_in_kyrgyz(field_agent, potatoes, osh, today):
    """The Kyrgyz reminder's example has no letter only Kyrgyz writes, so its words read
    as Russian: the agent's own language (the reminders') answers."""
    AgentProfile.objects.filter(user=field_agent).update(language="ky")
    potatoes.aliases.create(name="картошка", language="ky")
    osh.aliases.create(name="ош", language="ky")
    reply = text("P КАРТОШКА ОШ 18.5 kg 2468").reply
    assert reply.startswith("Жазылды"), reply
    # A language the number chose itself (LANG) still wins.
    text("LANG RU")
    assert text("P КАРТОШКА ОШ 19 kg 2468").reply.startswith("Не записано")
