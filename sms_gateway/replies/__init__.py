"""SMS texts, in the reader's language, each fitting one paid SMS segment: the SMS
rendering of the conversation core's answers (``render``), and the texts we send
unasked (digests, alerts).

Every reply is a list of candidates from the richest to the leanest; the first that fits
the room is sent (one SMS segment, or what another channel holds: a USSD screen, a
WhatsApp message), and if none does the leanest is cut. A list that does not fit says
how to get the rest. Strings carry the "sms" context so translators know they must stay
short (Cyrillic costs UCS-2: 70 characters).
"""

from __future__ import annotations

from typing import assert_never

from sms_gateway.conversation import answers
from sms_gateway.replies.commands import (
    help_reply,
    language_reply,
    limited_reply,
    list_reply,
    opted_in_reply,
    opted_out_reply,
    recorded_reply,
    report_reply,
    subscribed_reply,
    subscription_problem_reply,
    unsubscribed_reply,
)
from sms_gateway.replies.prices import (
    also_ask,
    best_payers_reply,
    both_reply,
    not_found_reply,
    price_candidates,
    rows_reply,
    unread_notes,
    with_unread,
)
from sms_gateway.replies.text import fit, format_price, season_phrase
from sms_gateway.replies.unasked import alert_text, digest_texts, warning_text
from sms_gateway.segments import SMS_SEGMENT, Room

__all__ = [
    "alert_text",
    "also_ask",
    "best_payers_reply",
    "digest_texts",
    "fit",
    "format_price",
    "render",
    "season_phrase",
    "warning_text",
]


def render(
    answer: answers.Answer, language: str, room: Room = SMS_SEGMENT, *, chat: bool = False
) -> str:
    """The text that says ``answer`` in ``language``, fitting ``room`` (one SMS segment
    unless a channel holds more). ``chat``: for a chat app, whose texts say "messages"
    where an SMS says "SMS" (``text.by_medium``). Queries nothing."""
    match answer:
        case answers.Price():
            return fit(price_candidates(answer, language), room)
        case answers.CropPrices() | answers.MarketPrices():
            return rows_reply(answer, language, room)
        case answers.Both():
            return both_reply(language=language, answer=answer, room=room)
        case answers.Unread(answer=answers.Both() as both):
            notes = unread_notes(answer.words, language)
            return both_reply(language=language, answer=both, room=room, notes=notes)
        case answers.Unread():
            return with_unread(
                answer, language, room, lambda said, beside: render(said, language, beside)
            )
        case answers.BestPayers():
            return best_payers_reply(
                language=language, commodity=answer.commodity, rows=answer.rows, room=room
            )
        case answers.NotFound():
            names = [item.display_name(language) for item in answer.suggestions]
            return not_found_reply(
                language=language, words=answer.words, suggestions=names, room=room
            )
        case answers.Help():
            return help_reply(
                language=language,
                about=answer.about,
                following=answer.following,
                room=room,
                chat=chat,
            )
        case answers.Catalogue():
            names = [item.display_name(language) for item in answer.items]
            return list_reply(
                language=language, kind=answer.kind, names=names, page=answer.page, room=room
            )
        case answers.LanguageChosen():
            return language_reply(language=language, chosen=answer.chosen)
        case answers.OptedOut():
            return opted_out_reply(language=language, chat=chat)
        case answers.OptedIn():
            return opted_in_reply(language=language, returning=answer.returning)
        case answers.Subscribed():
            return subscribed_reply(
                language=language,
                commodity=answer.commodity,
                market=answer.market,
                alert=answer.alert,
                weekday=answer.weekday,
                pct=answer.pct,
                room=room,
                chat=chat,
            )
        case answers.Unsubscribed():
            return unsubscribed_reply(
                language=language,
                commodity=answer.commodity,
                market=answer.market,
                found=answer.found,
            )
        case answers.SubscriptionRefused():
            return subscription_problem_reply(language=language, problem=answer.problem, chat=chat)
        case answers.ReportRefused():
            return report_reply(language=language, problem=answer.problem, detail=answer.detail)
        case answers.Recorded():
            return recorded_reply(language=language, quote=answer.quote, unusual=answer.unusual)
        case answers.Limited():
            return limited_reply(language=language)
        case _:
            assert_never(answer)
