"""The Twilio webhook, with requests signed by the real twilio RequestValidator."""

import pytest
from twilio.request_validator import RequestValidator

from sms_gateway.models import InboundMessage, Subscriber

pytestmark = pytest.mark.django_db


def test_a_signed_message_is_answered_with_twiml(twilio, a_price):
    response = twilio.post(twilio.params())
    assert response.status_code == 200
    assert twilio.reply(response).startswith("Potatoes Osh: 18 KGS/kg")
    stored = InboundMessage.objects.get()
    assert (stored.provider, stored.provider_sid, stored.action) == ("twilio", "SM0001", "query")


def test_a_forged_signature_is_refused_and_nothing_is_stored(twilio, a_price):
    response = twilio.post(twilio.params(), token="someone-elses-token")
    assert response.status_code == 403
    assert response.status_code == twilio.post(twilio.params(), signature="bm9wZQ==").status_code
    assert not InboundMessage.objects.exists() and not Subscriber.objects.exists()


def test_a_changed_body_breaks_the_signature(twilio, a_price):
    good = twilio.params()
    signature = RequestValidator(twilio.token).compute_signature(
        f"http://testserver{twilio.path}", good
    )
    response = twilio.post({**good, "Body": "STOP"}, signature=signature)
    assert response.status_code == 403
    assert not Subscriber.objects.filter(opted_out=True).exists()


def test_a_replayed_message_sid_gets_the_same_reply_and_acts_once(twilio, a_price):
    first = twilio.post(twilio.params(body="LANG RU", sid="SM42"))
    Subscriber.objects.update(language="ky")  # changed since: a replay must not redo LANG
    again = twilio.post(twilio.params(body="LANG RU", sid="SM42"))
    assert twilio.reply(again) == twilio.reply(first) == "Теперь ответы на русском."
    assert InboundMessage.objects.count() == 1
    assert Subscriber.objects.get().language == "ky"


def test_without_an_auth_token_every_request_is_refused(twilio, settings, a_price):
    settings.TWILIO_AUTH_TOKEN = ""
    assert twilio.post(twilio.params(), token="").status_code == 403


def test_behind_a_proxy_the_public_url_is_signed(twilio, settings, a_price):
    settings.TWILIO_PUBLIC_BASE_URL = "https://prices.example.org/"
    public = twilio.post(twilio.params(), url=f"https://prices.example.org{twilio.path}")
    assert public.status_code == 200
    internal = twilio.post(twilio.params(sid="SM2"), url=f"http://testserver{twilio.path}")
    assert internal.status_code == 403


def test_a_short_code_gets_an_empty_answer(twilio, a_price):
    response = twilio.post(twilio.params(sender="40404"))
    assert response.status_code == 200 and twilio.reply(response) is None


def test_a_request_without_sid_or_sender_is_refused(twilio, client):
    assert twilio.post({"Body": "HELP"}).status_code == 400
    assert client.get(twilio.path).status_code == 405
    assert not InboundMessage.objects.exists()


def test_phone_numbers_are_masked_in_logs(twilio, a_price, caplog):
    caplog.set_level("INFO")
    twilio.post(twilio.params(sender="+996555123456"))
    assert "+996555123456" not in caplog.text
    assert "+9965******56" in caplog.text


def test_a_price_question_makes_a_known_number_of_queries(
    twilio, a_price, django_assert_max_num_queries
):
    # The sender exists; the names and this price with its neighbours are in the cache.
    twilio.post(twilio.params(sid="SMwarm"))
    # A stored message with this id?, the sender, the last change of any price (the key
    # of the cached answer), the insert, and the transaction around them. The crop and
    # the market come with the name index, from memory.
    with django_assert_max_num_queries(6):
        response = twilio.post(twilio.params(sid="SM0002"))
    assert twilio.reply(response).startswith("Potatoes Osh: 18 KGS/kg")


def test_a_price_approved_since_the_last_question_is_answered_at_once(twilio, a_price):
    from agriprices.services.series import rebuild_latest_prices
    from tests import factories

    assert "18 KGS" in twilio.reply(twilio.post(twilio.params(sid="SM1")))
    factories.QuoteFactory(commodity=a_price.commodity, market=a_price.market, price=21)
    rebuild_latest_prices()
    assert "21 KGS" in twilio.reply(twilio.post(twilio.params(sid="SM2")))


def test_a_market_added_by_an_operator_is_understood_at_once(
    twilio, a_price, django_capture_on_commit_callbacks
):
    from tests import factories

    first = twilio.reply(twilio.post(twilio.params(body="POTATOES TALAS", sid="SM1")))
    assert first.startswith("Not found: talas.")  # the crop alone is known
    with django_capture_on_commit_callbacks(execute=True):  # the operator's save commits
        factories.MarketFactory(name="Talas")
    reply = twilio.reply(twilio.post(twilio.params(body="POTATOES TALAS", sid="SM2")))
    assert reply == "No recent price of Potatoes at Talas."


def test_a_short_code_is_stored_once_and_not_answered(twilio, a_price):
    for _ in range(2):
        response = twilio.post(twilio.params(sender="40404", sid="SMshort"))
        assert twilio.reply(response) is None
    stored = InboundMessage.objects.get()
    assert (stored.action, stored.reply) == ("ignored", "")
    assert not Subscriber.objects.exists()


def test_sell_leaves_out_old_prices_and_other_currencies(twilio, a_price, potatoes, days_ago):
    from agriprices.services.series import rebuild_latest_prices
    from tests import factories

    old = factories.MarketFactory(name="Naryn")
    factories.QuoteFactory(commodity=potatoes, market=old, price=40, observed_on=days_ago(45))
    foreign = factories.MarketFactory(name="Minsk")
    factories.QuoteFactory(commodity=potatoes, market=foreign, price=90, currency="BYR")
    rebuild_latest_prices()
    reply = twilio.reply(twilio.post(twilio.params(body="SELL POTATOES")))
    assert reply == f"Sell Potatoes (KGS/kg): Osh 18 {a_price.observed_on:%d.%m}"


def test_sell_without_a_known_crop_says_what_was_not_found(twilio, a_price):
    reply = twilio.reply(twilio.post(twilio.params(body="SELL TRACTOR")))
    assert reply.startswith("Not found: tractor.")


def test_a_question_read_through_typos_is_answered_naming_what_was_understood(twilio, a_price):
    reply = twilio.reply(twilio.post(twilio.params(body="how much are potatos in oshh?")))
    assert reply.startswith("Potatoes Osh: 18 KGS/kg")


def test_a_market_added_later_is_understood_in_its_inflections_at_once(
    twilio, a_price, django_capture_on_commit_callbacks
):
    from tests import factories

    with django_capture_on_commit_callbacks(execute=True):
        place = factories.MarketFactory(name="Kara-Balta")
        place.aliases.create(name="Кара-Балта", language="ru")
    for n, body in enumerate(["картошка в Кара-Балте", "Кара-Балтада картошка канча", "karabalta"]):
        reply = twilio.reply(twilio.post(twilio.params(body=body, sid=f"SMkb{n}")))
        assert "Kara-Balta" in reply, body


def test_only_question_words_get_the_help_text(twilio, a_price):
    reply = twilio.reply(twilio.post(twilio.params(body="what's the price today, please?")))
    assert reply.startswith("Send CROP MARKET")
