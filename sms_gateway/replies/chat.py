"""Texts for chat channels (WhatsApp, Telegram): the conversation core's answers in a few
lines, up to what one message of the channel holds (its ``Room``, as the chat counts;
chats are not paid by the segment). A price comes with every market's, cheapest first, with dates;
several asked at once come one under the other; lists fill the room (and say how to get
the rest); other answers read as their SMS, in a chat's words ("messages", not "SMS":
``replies.text.by_medium``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import pgettext

from agriprices.models import LatestPrice
from sms_gateway.conversation import answers
from sms_gateway.replies import render as sms_render
from sms_gateway.replies.prices import also_ask, with_unread
from sms_gateway.replies.text import format_price
from sms_gateway.segments import Room


def characters(most: int) -> Room:
    """A chat message of at most ``most`` characters (as the chat counts them)."""
    return Room(lambda text: len(text) <= most)


def render(answer: answers.Answer, language: str, room: Room) -> str:
    """The chat message fitting ``room`` that says ``answer`` in ``language``. Queries
    nothing."""
    with translation.override(language):
        match answer:
            case answers.Price(markets=markets) if markets:
                heading = pgettext("whatsapp", "Every market, cheapest first:")
                first = sms_render(answer, language, chat=True)
                return _lines(first, heading, markets, language, room)
            case answers.CropPrices(commodity=commodity, markets=markets) if markets:
                heading = pgettext("whatsapp", "Every market, cheapest first:")
                return _lines(commodity.display_name(language), heading, markets, language, room)
            case answers.Both():
                texts = [render(part, language, room) for part in answer.parts]
                if answer.unasked:
                    texts.append(also_ask(answer.unasked, language))
                every = "\n\n".join(texts)
                if room.fits(every):
                    return every
            case answers.Unread():
                return with_unread(
                    answer,
                    language,
                    room,
                    lambda said, beside: render(said, language, beside),
                    between="\n\n",
                )
    return sms_render(answer, language, room, chat=True)  # as an SMS says it, more room


def _lines(first: str, heading: str, rows: Sequence[LatestPrice], language: str, room: Room) -> str:
    """``first``, then one line a market, as many as fit ``room``."""
    lines = [first, "", heading]
    for row in rows:
        line = (
            f"{row.market.display_name(language)}: {format_price(row.price)} "
            f"{row.currency}/{row.unit.code} ({row.observed_on:%d.%m})"
        )
        if not room.fits("\n".join([*lines, line])):
            break
        lines.append(line)
    return "\n".join(lines)
