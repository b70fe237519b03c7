"""WhatsApp texts: the conversation core's answers in a few lines, up to 1,000
characters (WhatsApp is not paid by the segment). A price comes with every market's,
cheapest first, with dates; several asked at once come one under the other; lists fill the
1,000 characters (and say how to get the rest); other answers read as their SMS."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import pgettext

from agriprices.models import LatestPrice
from sms_gateway import replies
from sms_gateway.conversation import answers
from sms_gateway.segments import Room

#: The longest WhatsApp answer we send.
MOST = 1000
ROOM = Room(lambda text: len(text) <= MOST)


def render(answer: answers.Answer, language: str) -> str:
    """The WhatsApp message that says ``answer`` in ``language``. Queries nothing."""
    with translation.override(language):
        match answer:
            case answers.Price(markets=markets) if markets:
                heading = pgettext("whatsapp", "Every market, cheapest first:")
                return _lines(replies.render(answer, language), heading, markets, language)
            case answers.CropPrices(commodity=commodity, rows=rows) if rows:
                heading = pgettext("whatsapp", "Every market, cheapest first:")
                return _lines(commodity.display_name(language), heading, rows, language)
            case answers.Both():
                texts = [render(part, language) for part in answer.parts]
                if answer.unasked:
                    texts.append(replies.also_ask(answer.unasked, language))
                every = "\n\n".join(texts)
                if len(every) <= MOST:
                    return every
    return replies.render(answer, language, ROOM)


def _lines(first: str, heading: str, rows: Sequence[LatestPrice], language: str) -> str:
    """``first``, then one line a market, as many as fit in MOST characters."""
    lines = [first, "", heading]
    for row in rows:
        line = (
            f"{row.market.display_name(language)}: {replies.format_price(row.price)} "
            f"{row.currency}/{row.unit.code} ({row.observed_on:%d.%m})"
        )
        if len("\n".join([*lines, line])) > MOST:
            break
        lines.append(line)
    return "\n".join(lines)
