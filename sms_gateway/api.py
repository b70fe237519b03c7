"""GET /api/v1/ask/?q=…: the conversation core as JSON, for other channels and partners'
bots. A question is understood and answered as an SMS would be (the same understanding,
the same act), and the answer comes back structured, with the SMS text beside it. Only
questions: what changes something (SUB, STOP, LANG, price reports) goes by SMS."""

from __future__ import annotations

from typing import Any

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
from sms_gateway import replies
from sms_gateway.conversation import answers
from sms_gateway.conversation.acting import act, reply_language
from sms_gateway.conversation.understanding import understand
from sms_gateway.models import Subscriber

#: What the endpoint answers: the questions, which change nothing.
QUESTIONS = frozenset({"query", "sell", "help", "list"})


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
        "not_found, help, catalogue, both) and its data (latest prices as in "
        "/prices/latest/); `both` (two or more crops or markets asked at once) holds each "
        "crop's answer at each market in `answers`, in the order named."
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
        if asked.action not in QUESTIONS:
            raise ValidationError(
                {"q": "only questions here; subscribing, stopping and reporting go by SMS"},
                code="not_a_question",
            )
        nobody = Subscriber()  # no settings, no history: answered as to a first message
        outcome = act(asked, nobody, message_key="")
        language = query.get("lang") or reply_language(asked, nobody)
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
                "text": replies.render(outcome.answer, language),
            }
        )


def _ref(serializer: type[serializers.ModelSerializer], thing: Any) -> Any:
    return serializer(thing).data if thing is not None else None


def _prices(rows: Any) -> Any:
    return LatestPriceSerializer(list(rows), many=True).data


def as_json(answer: answers.Answer, language: str) -> dict[str, Any]:
    """An answer to a question as JSON: the API's rendering, beside the SMS one."""
    match answer:
        case answers.Price():
            one = LatestPriceSerializer
            return {
                "kind": "price",
                "latest": one(answer.latest).data if answer.latest else None,
                "cheaper": one(answer.cheaper).data if answer.cheaper else None,
                "dearer": one(answer.dearer).data if answer.dearer else None,
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
    raise TypeError(f"no JSON for {answer!r}")  # pragma: no cover - questions only


urlpatterns = [path("", Ask.as_view(), name="ask")]
