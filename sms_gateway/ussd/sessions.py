"""USSD sessions: one screen per aggregator request, worked out by the menus
(ussd/menus.py) on the conversation core. The caller is found by the one sender lookup
(channels.contacts); a session is recorded (``UssdSession``: the lists it showed and the
screen it gave each request) and counted against the number's limits like a question."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import pgettext

from sms_gateway import channels
from sms_gateway.channels.contacts import Limits, sender
from sms_gateway.conversation.answers import Limited
from sms_gateway.conversation.language import reply_language
from sms_gateway.models import Subscriber, UssdSession
from sms_gateway.phones import mask_phone
from sms_gateway.ussd.menus import Screen, screen_for

logger = logging.getLogger(__name__)


#: A USSD request with more answers than this is told to dial again (a menu is a few
#: deep), and a session answers at most USSD_MAX_SCREENS requests.
USSD_MAX_ANSWERS = 30
USSD_MAX_SCREENS = 100
#: How long a USSD session is kept: networks close one within minutes; a request
#: resent later than this is a new session.
USSD_KEPT = timedelta(days=1)


def answer_ussd(
    *, gateway: str, session_id: str, phone: str, answers: list[str], simulated: bool = False
) -> Screen:
    """The USSD screen for ``phone`` after ``answers`` in the gateway's session (the
    conversation core behind the menus). The same request again gets the same screen
    and changes nothing more; once a session has ended (a final screen), every later
    request in it gets that screen. Numbers we do not serve get a closing screen, and so
    does a new session past the number's limits; nothing raises. A ``simulated``
    session is not counted."""
    channel = channels.named("ussd")
    key = "*".join(answers)
    with transaction.atomic():
        subscriber = sender(channel, phone)
        if subscriber is None:
            with translation.override(reply_language()):
                text = pgettext("ussd", "This service is not available here.")
            return Screen(text, final=True)
        session, created = _ussd_session(gateway, session_id, subscriber)
        if created and not simulated and not _within_limits(subscriber, channel):
            # Kept, so the session's next requests get this screen too.
            limited = channel.render(Limited(), reply_language(chosen=session.language))
            session.screens[key] = [True, limited]
            session.save(update_fields=["screens"])
            return Screen(limited, final=True)
        stored = session.screens.get(key) or next(
            (shown for shown in session.screens.values() if shown[0]), None
        )
        if stored is not None:
            final, text = stored
            logger.info(
                "ussd from %s: resent request answered from storage", mask_phone(subscriber.phone)
            )
            return Screen(text, final=final)
        if len(answers) > USSD_MAX_ANSWERS or len(session.screens) >= USSD_MAX_SCREENS:
            with translation.override(reply_language(chosen=subscriber.language)):
                return Screen(pgettext("ussd", "Too many answers. Dial again."), final=True)
        screen = screen_for(answers, subscriber, lists=session.lists, language=session.language)
        session.screens[key] = [screen.final, screen.text]
        session.save(update_fields=["lists", "screens"])
    logger.info(
        "ussd from %s: %d answer(s), %s", mask_phone(subscriber.phone), len(answers), screen.final
    )
    return screen


def _within_limits(subscriber: Subscriber, channel: channels.Channel) -> bool:
    """Count a new session as a question and its cost as a reply's."""
    limits = Limits(subscriber.phone)
    allowed, _first = limits.ask()
    return allowed and limits.spend(channel.cost(""))


def _ussd_session(
    gateway: str, session_id: str, subscriber: Subscriber
) -> tuple[UssdSession, bool]:
    """The session and whether it is new, locked until the transaction ends, so a
    request sent twice at once is answered once and then from storage. Starting one
    forgets those past USSD_KEPT."""
    session, created = UssdSession.objects.get_or_create(
        gateway=gateway,
        session_id=session_id,
        phone=subscriber.phone,
        defaults={"language": subscriber.language},
    )
    if created:
        UssdSession.objects.filter(started_at__lt=timezone.now() - USSD_KEPT).delete()
    return UssdSession.objects.select_for_update().get(pk=session.pk), created


def simulate_ussd(*, phone: str, answers: list[str]) -> Screen:
    """The USSD screen ``phone`` would see after ``answers``, changing nothing: what the
    last screen would subscribe, stop or keep is rolled back. For the simulator."""
    with transaction.atomic():
        screen = answer_ussd(
            gateway="simulator",
            session_id=uuid.uuid4().hex,
            phone=phone,
            answers=answers,
            simulated=True,
        )
        transaction.set_rollback(True)
    return screen
