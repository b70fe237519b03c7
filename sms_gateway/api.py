"""GET /api/v1/ask/?q=…: the conversation core as JSON, for other channels and partners'
bots. A question is understood and answered as an SMS would be (the same understanding,
the same act, the same language rule), and the answer comes back structured, with the
SMS text beside it. Only the commands the core says only read (``acting.reads_only``):
what changes something (SUB, STOP, LANG, price reports) goes by a channel with a sender.
There is no sender here, so no per-sender limits: the API's read rate limit holds."""

from __future__ import annotations

from typing import Any, assert_never

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from agriprices.api import params as p
from agriprices.api.base import ERRORS, ApiView
from agriprices.api.serializers import (
    CommodityRefSerializer,
    LatestPriceSerializer,
    MarketRefSerializer,
)
from sms_gateway import channels
from sms_gateway.channels.contacts import nobody
from sms_gateway.conversation import answers
from sms_gateway.conversation.acting import act, reads_only
from sms_gateway.conversation.language import reply_language
from sms_gateway.conversation.understanding import understand


class AskParams(p.QueryParams):
    q = serializers.CharField(
        max_length=480, help_text="The question as a farmer writes it, in any of the languages."
    )
    lang = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="Answer in this language; by default, the one the question is written in.",
    )


class UnderstoodSerializer(serializers.Serializer):
    action = serializers.CharField(help_text="query, sell, help or list.")
    commodity = CommodityRefSerializer(allow_null=True)
    market = MarketRefSerializer(allow_null=True)
    language = serializers.CharField(help_text="The language the answer is in.")
    sure = serializers.BooleanField(help_text="False when a name was read from a typo.")
    unmatched = serializers.CharField(help_text="Words that named nothing known.")


class AskSerializer(serializers.Serializer):
    understood = UnderstoodSerializer()
    answer = serializers.DictField(
        help_text="What was found: `kind` (price, crop_prices, market_prices, best_payers, "
        "not_found, help, catalogue, both; for completeness the kinds of commands that "
        "change something, which are refused before: language_chosen, opted_out, "
        "opted_in, subscribed, unsubscribed, subscription_refused, report_refused, "
        "recorded, limited) and its data (latest prices as in "
        "/prices/latest/; a `price` whose latest is older than its market's collection "
        "cycle allows has `stale`: its `age_days` and the nearest `fresh` price, or null); "
        "`both` (two or more crops or markets asked at once) holds each "
        "crop's answer at each market in `answers`, in the order named. Words that look "
        "like a typo of a name but were not read as one, beside the names read, come in "
        "`unread`: each its `words` and the names it resembles (`suggestions`)."
    )
    text = serializers.CharField(help_text="The answer as one SMS segment.")


class Ask(ApiView):
    params_class = AskParams
    serializer_class = AskSerializer

    @extend_schema(
        summary="Ask a price question in free text",
        description=(
            "Understands a question the way the SMS service does (any of the four languages, "
            "either script, inflected or misspelt) and answers it: what was understood, the "
            "structured answer, and its text as one SMS."
        ),
        parameters=[AskParams],
        responses={200: AskSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = self.params().validated_data
        asked = understand(query["q"])
        asked = asked.otherwise or asked  # "p potato osh price": no report comes this way
        if not reads_only(asked.action):
            raise ValidationError(
                {"q": "only questions here; subscribing, stopping and reporting go by SMS"},
                code="not_a_question",
            )
        # No settings, no history: answered as to a first message, and nothing is kept.
        outcome = act(asked, nobody(), message_key="")
        language = reply_language(chosen=query.get("lang", ""), written=asked.language)
        return Response(
            {
                "understood": {
                    "action": asked.action,
                    "commodity": _ref(CommodityRefSerializer, asked.commodity),
                    "market": _ref(MarketRefSerializer, asked.market),
                    "language": language,
                    "sure": asked.sure,
                    "unmatched": asked.unmatched,
                },
                "answer": as_json(outcome.answer, language),
                "text": channels.named("sms").render(outcome.answer, language),
            }
        )


def _ref(serializer: type[serializers.ModelSerializer], thing: Any) -> Any:
    return serializer(thing).data if thing is not None else None


def _prices(rows: Any) -> Any:
    return LatestPriceSerializer(list(rows), many=True).data


def _thing(thing: Any, language: str) -> dict[str, Any]:
    return {"id": thing.pk, "name": thing.display_name(language)}


def as_json(answer: answers.Answer, language: str) -> dict[str, Any]:
    """An answer as JSON: the API's rendering, beside the SMS one. Every answer has one
    (mypy's assert_never says when a new answer lacks it), so no command can make the
    endpoint fail, even one wrongly said to only read."""
    match answer:
        case answers.Price():
            one = LatestPriceSerializer
            return {
                "kind": "price",
                "latest": one(answer.latest).data if answer.latest else None,
                "cheaper": one(answer.cheaper).data if answer.cheaper else None,
                "dearer": one(answer.dearer).data if answer.dearer else None,
                # What the SMS says in words: the price is older than its market's cycle
                # allows, and the nearest market with a fresh one.
                "stale": {
                    "age_days": answer.stale.age_days,
                    "fresh": one(answer.stale.fresh).data if answer.stale.fresh else None,
                }
                if answer.stale
                else None,
            }
        case answers.CropPrices():
            return {"kind": "crop_prices", "prices": _prices(answer.rows)}
        case answers.MarketPrices():
            return {"kind": "market_prices", "prices": _prices(answer.rows)}
        case answers.BestPayers():
            return {"kind": "best_payers", "prices": _prices(answer.rows)}
        case answers.NotFound():
            names = [thing.display_name(language) for thing in answer.suggestions]
            return {"kind": "not_found", "words": answer.words, "suggestions": names}
        case answers.Help():
            return {"kind": "help"}
        case answers.Catalogue():
            names = [thing.display_name(language) for thing in answer.items]
            return {"kind": "catalogue", "of": answer.kind, "names": names}
        case answers.Both():
            parts = answer.parts
            return {"kind": "both", "answers": [as_json(part, language) for part in parts]}
        case answers.Unread():
            unread = [
                {"words": words, "suggestions": [thing.display_name(language) for thing in things]}
                for words, things in answer.words
            ]
            return {**as_json(answer.answer, language), "unread": unread}
        case answers.LanguageChosen():
            return {"kind": "language_chosen", "language": answer.chosen}
        case answers.OptedOut():
            return {"kind": "opted_out"}
        case answers.OptedIn():
            return {"kind": "opted_in"}
        case answers.Subscribed():
            return {
                "kind": "subscribed",
                "commodity": _thing(answer.commodity, language),
                "market": _thing(answer.market, language),
                "alert": answer.alert,
                "weekday": answer.weekday,
                "percent": str(answer.pct),
            }
        case answers.Unsubscribed():
            return {
                "kind": "unsubscribed",
                "commodity": _thing(answer.commodity, language),
                "market": _thing(answer.market, language),
                "found": answer.found,
            }
        case answers.SubscriptionRefused():
            return {"kind": "subscription_refused", "problem": answer.problem}
        case answers.ReportRefused():
            return {"kind": "report_refused", "problem": answer.problem, "detail": answer.detail}
        case answers.Recorded():
            return {"kind": "recorded", "quote": answer.quote.pk, "status": answer.quote.status}
        case answers.Limited():
            return {"kind": "limited"}
        case _:
            assert_never(answer)


urlpatterns = [path("", Ask.as_view(), name="ask")]
