"""WhatsApp through Twilio: the same signed webhook, the same conversation core, a
longer answer; settings, opt-outs and limits belong to the WhatsApp address."""

import pytest

from agriprices.services.series import rebuild_latest_prices
from sms_gateway.models import InboundMessage, Subscriber
from tests import factories

pytestmark = pytest.mark.django_db
NUMBER = "+996555123456"
WHATSAPP = f"whatsapp:{NUMBER}"


def ask(twilio, body, sender=WHATSAPP, sid="SMwa1"):
    params = {**twilio.params(body=body, sid=sid, sender=sender), "To": "whatsapp:+14155238886"}
    return twilio.reply(twilio.post(params))


@pytest.fixture
def three_markets(a_price, potatoes, today):
    for name, price in (("Naryn", 21), ("Bishkek", 16)):
        market = factories.MarketFactory(name=name)
        factories.QuoteFactory(commodity=potatoes, market=market, price=price)
    rebuild_latest_prices()


def test_a_price_on_whatsapp_lists_every_market_cheapest_first_with_dates(
    twilio, three_markets, today
):
    reply = ask(twilio, "how much are potatoes in osh?")
    day = f"{today:%d.%m}"
    assert reply.splitlines() == [
        f"Potatoes Osh: 18 KGS/kg {day}. Cheaper: Bishkek 16. Dearer: Naryn 21",
        "",
        "Every market, cheapest first:",
        f"Bishkek: 16 KGS/kg ({day})",
        f"Osh: 18 KGS/kg ({day})",
        f"Naryn: 21 KGS/kg ({day})",
    ]
    stored = InboundMessage.objects.get()
    assert (stored.sender, stored.reply, stored.reply_segments) == (WHATSAPP, reply, 1)


def test_a_whatsapp_answer_stays_within_a_thousand_characters(twilio, a_price, potatoes):
    for n in range(60):
        market = factories.MarketFactory(name=f"Market number {n:02d}")
        factories.QuoteFactory(commodity=potatoes, market=market, price=20 + n)
    rebuild_latest_prices()
    reply = ask(twilio, "potatoes osh")
    assert 900 < len(reply) <= 1000
    assert reply.splitlines()[3].startswith("Osh: 18")  # still the cheapest first


def test_stop_on_whatsapp_leaves_the_sms_address_alone(twilio, a_price):
    ask(twilio, "STOP")
    ask(twilio, "POTATOES OSH", sender=NUMBER, sid="SMsms1")
    assert set(Subscriber.objects.values_list("phone", "opted_out")) == {
        (WHATSAPP, True),
        (NUMBER, False),
    }


def test_limits_count_per_address(twilio, a_price, settings):
    settings.SMS_MAX_QUERIES_PER_HOUR = 2
    replies = [ask(twilio, "POTATOES OSH", sid=f"SMwa{n}") for n in range(4)]
    assert replies[2].startswith("Too many messages") and replies[3] is None
    assert ask(twilio, "POTATOES OSH", sender=NUMBER, sid="SMsms").startswith("Potatoes Osh")


def test_a_forged_whatsapp_message_is_refused(twilio, a_price):
    params = {**twilio.params(sender=WHATSAPP), "To": "whatsapp:+14155238886"}
    assert twilio.post(params, token="someone-elses").status_code == 403
    assert not InboundMessage.objects.exists()


def test_a_crop_alone_on_whatsapp_lists_every_market(twilio, three_markets, today):
    reply = ask(twilio, "potatoes")
    assert reply.splitlines()[:3] == ["Potatoes", "", "Every market, cheapest first:"]
    assert [line.split(":")[0] for line in reply.splitlines()[3:]] == ["Bishkek", "Osh", "Naryn"]


def test_whatsapp_texts_speak_of_messages_where_sms_speak_of_sms(twilio, a_price):
    how = ask(twilio, "HELP")
    assert how.endswith("STOP: no more messages.")
    assert ask(twilio, "STOP", sid="SMwa2").startswith("You will get no more messages from us.")
    by_sms = ask(twilio, "HELP", sender=NUMBER, sid="SMsms2")
    assert by_sms.endswith("STOP: no more SMS.")
