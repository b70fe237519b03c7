"""Answering a call: Twilio's voice webhook around the menus (voice.menus on the
conversation core), the SMS follow-up and the free-to-ask callback.

Where a call is in the menus travels in the URL Twilio calls next (Twilio signs it, so a
caller cannot forge it): ``w`` the walk ("" the first, "p" another price), ``a`` the keys
pressed in it, ``f`` the walk whose answer was said, ``n`` how many times the caller said
nothing. Each request is answered once per call and kept with it: a resent webhook gets
the same TwiML and nothing is done twice.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import pgettext

from config import counters
from sms_gateway import outbound
from sms_gateway.conversation import answers
from sms_gateway.conversation.acting import Outcome, act
from sms_gateway.conversation.language import reply_language
from sms_gateway.conversation.parser import Command
from sms_gateway.conversation.understanding import Request
from sms_gateway.models import InboundMessage, OutboundMessage, Subscriber
from sms_gateway.phones import (
    InvalidPhone,
    country_allowed,
    is_person,
    mask_phone,
    normalize_phone,
)
from sms_gateway.segments import count_segments
from voice import phrases, twiml
from voice.callbacks import Missed, schedule_callback
from voice.menus import Prompt, VoiceWalk, restart_key
from voice.models import VoiceCall

logger = logging.getLogger(__name__)

#: Choices one walk may take before the caller is asked to call again (menus are few
#: deep). Paging keys ("0" more, "*" back) are not choices: a caller paging through a long
#: list of crops or markets is walking the menus, not pressing at random.
MAX_KEYS = 30
#: Every key of one walk, paging included: each request replays the walk from its first
#: key and carries them all in its URL, so they are bounded too, far above what a walk
#: through the longest list (a thousand markets, nine a page) takes.
MAX_WALK_KEYS = 200
#: The longest keys (one past the most, so that one is told to call again) and the longest
#: answered walk ("p:" and its keys) a request may carry: the webhook and the simulator
#: refuse longer ones.
LONGEST_KEYS = MAX_WALK_KEYS + 1
LONGEST_AFTER = MAX_WALK_KEYS + 8
#: Requests one call may make (a caller asking price after price): then goodbye.
MAX_REQUESTS = 300
#: Times a menu is said again to a caller who presses nothing, before goodbye.
REPEATS = 2
#: How long a call's record is kept (calls last minutes; a webhook resent later than
#: this is another call).
CALLS_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Place:
    """Where a request is in the call (what the URL says) and the key it brings."""

    walk: str = ""
    keys: str = ""
    after: str | None = None
    silent: int = 0
    digit: str = ""

    def key(self) -> str:
        head = f"f:{self.after}" if self.after is not None else f"w:{self.walk}:{self.keys}"
        return f"{head}|{self.digit}|{self.silent}"

    @property
    def walk_key(self) -> str:
        return f"{self.walk}:{self.keys}{self.digit}"


@dataclass
class Reply:
    """What a request gets: said, then (``gather``) a key awaited at ``next_place``."""

    said: phrases.Utterance
    gather: Place | None = None
    hangup: bool = False
    silent: int = 0  # times the caller has said nothing at this point
    #: Kept with the call, so that Twilio's retry of the request is answered the same.
    #: False for a refusal that changed nothing: pressed again once the reason is gone
    #: (SMS taken back with the "Get SMS again" key), the key is acted on.
    kept: bool = True


def caller_of(*, direction: str, from_: str, to: str) -> str:
    """The farmer's number: who rang us, or whom we rang back."""
    return to if direction.startswith("outbound") else from_


def answer_call(*, call_sid: str, phone: str, direction: str, place: Place, base_url: str) -> str:
    """The TwiML for one request of a call. Numbers we do not serve are rejected (free
    for them); with VOICE_CALLBACK a call that rings in is rejected and called back."""
    number = repliable(phone)
    if number is None:
        logger.info("voice call from %s not served", mask_phone(phone))
        return twiml.reject()
    fresh = place.after is None and not place.walk and not place.keys and not place.digit
    if settings.VOICE_CALLBACK and direction == "inbound" and fresh and place.silent == 0:
        missed = schedule_callback(call_sid=call_sid, number=number)
        if missed in (Missed.CALLBACK, Missed.WAITING, Missed.SERVICE_FULL):
            return twiml.reject()
        if missed is Missed.ASKED_UP:  # said at once: a menu would end in the same refusal
            language = reply_language(chosen=_language_of(number))
            return twiml.render(
                Reply(phrases.too_many_questions(language), hangup=True), base_url=base_url
            )
        # Past the number's callbacks today, or none possible: answered now, at the
        # caller's cost, rather than not at all.
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(phone=number)
        call = _call(call_sid, subscriber)
        stored = call.responses.get(place.key())
        if stored is not None:
            logger.info("voice %s: resent request answered from storage", mask_phone(number))
            return str(stored)
        if len(call.responses) >= MAX_REQUESTS:
            return twiml.render(
                Reply(phrases.goodbye(reply_language(chosen=call.language)), hangup=True),
                base_url=base_url,
            )
        reply = _reply(call, subscriber, place, simulated=False)
        answer = twiml.render(reply, base_url=base_url)
        if reply.kept:
            call.responses[place.key()] = answer
        call.save(update_fields=["lists", "responses", "finals"])
    return answer


def _language_of(number: str) -> str:
    return Subscriber.objects.filter(phone=number).values_list("language", flat=True).first() or ""


def _call(call_sid: str, subscriber: Subscriber) -> VoiceCall:
    """The call's record, locked until the request is answered (a resent request of the
    same call waits, then finds its answer stored); made at its first request."""
    calls = VoiceCall.objects.select_for_update()
    found = calls.filter(call_sid=call_sid).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            # Inserted in this transaction: no other request sees it before the commit.
            call = VoiceCall.objects.create(
                call_sid=call_sid, phone=subscriber.phone, language=subscriber.language
            )
    except IntegrityError:  # the same first request, resent, made it meanwhile
        return calls.get(call_sid=call_sid)
    VoiceCall.objects.filter(started_at__lt=timezone.now() - CALLS_KEPT).delete()
    return call


def _reply(call: VoiceCall, subscriber: Subscriber, place: Place, *, simulated: bool) -> Reply:
    language = reply_language(chosen=subscriber.language or call.language)
    if place.after is not None:
        return _after(call, subscriber, place, language, simulated)
    keys = place.keys + place.digit
    if _choices(keys) > MAX_KEYS or len(keys) > MAX_WALK_KEYS:
        with translation.override(language):
            note = pgettext("ussd", "Too many answers. Dial again.")
        return Reply(phrases.said(note, language), hangup=True)
    start: tuple[str, ...]
    if place.walk == "p":
        start, walk_language = ("crop",), subscriber.language or call.language
    else:
        start = () if call.language else ("languages",)
        walk_language = call.language
    walk = VoiceWalk(subscriber, call.lists, walk_language, start=start, counted=not simulated)
    wrong = walk.replay(list(keys))
    if place.silent:  # said again to silence: the menu, not the note before it
        walk.notice = []
    # The greeting opens the call once: said again to silence, the menu is the question.
    first = not place.walk and not keys and place.silent == 0
    prompt = walk.prompt(wrong and place.silent == 0, today=timezone.localdate(), welcome=first)
    if prompt.final:
        return _final(call, subscriber, place, prompt, simulated)
    if place.silent > REPEATS:
        return Reply(phrases.goodbye(walk._lang), hangup=True)
    return Reply(prompt.said, gather=Place(walk=place.walk, keys=keys), silent=place.silent)


def _choices(keys: str) -> int:
    """The keys of a walk that chose something (not paging)."""
    return sum(key not in (VoiceWalk.more, VoiceWalk.back) for key in keys)


def _final(
    call: VoiceCall, subscriber: Subscriber, place: Place, prompt: Prompt, simulated: bool
) -> Reply:
    if prompt.outcome is None:
        return Reply(prompt.said, hangup=True)
    outcome = prompt.outcome
    sms = bool(prompt.text) and outcome.action in ("query", "sell") and _says_a_price(outcome)
    call.finals[place.walk_key] = [outcome.language, prompt.text if sms else ""]
    if not simulated:
        _record(call, subscriber, place, outcome.action, prompt.text)
    said = prompt.said + phrases.after_answer(outcome.language, sms=sms)
    return Reply(said, gather=Place(after=place.walk_key))


def _says_a_price(outcome: Outcome) -> bool:
    """Whether an answer has a price to send by SMS (not "no price of it yet")."""
    given = outcome.answer
    if isinstance(given, answers.Price):
        return given.latest is not None
    if isinstance(given, answers.BestPayers):
        return bool(given.rows)
    return True


def _record(
    call: VoiceCall,
    subscriber: Subscriber,
    place: Place,
    action: str,
    text: str,
    *,
    walk_key: str | None = None,
) -> None:
    """The answer in the message log, once (the same request again is answered from the
    call's record before it gets here). ``walk_key``: what names the answer in the call,
    when not the keys of a walk."""
    try:
        with transaction.atomic():
            InboundMessage.objects.create(
                provider="voice",
                provider_sid=_log_id(call.call_sid, walk_key or place.walk_key),
                sender=subscriber.phone,
                body=f"voice: {' '.join(place.keys + place.digit)}",
                action=action,
                reply=text,
            )
    except IntegrityError:
        logger.info("voice %s: answer already in the log", mask_phone(subscriber.phone))


def _log_id(call_sid: str, walk_key: str) -> str:
    """The answer's id in the message log: the call and the keys that led to it (a
    digest of them when that would not fit the column)."""
    said = f"{call_sid}:{walk_key}"
    if len(said) <= 64:
        return said
    return f"{call_sid[:40]}:{hashlib.sha256(walk_key.encode()).hexdigest()[:23]}"


def _after(
    call: VoiceCall, subscriber: Subscriber, place: Place, language: str, simulated: bool
) -> Reply:
    """After an answer: 1 sends it by SMS (once, however often pressed; offered until
    it was pressed), 2 asks for another price, the "Get SMS again" key gets them again
    for a number told it stopped them; nothing pressed says the choices again, then
    goodbye."""
    given = call.finals.get(place.after or "")
    if given is None:  # not a walk this call finished: start again
        return _reply(call, subscriber, Place(walk="p"), simulated=simulated)
    language, text = given
    # Pressed once, 1 is answered from the call's record ever after; not offered again.
    offer = bool(text) and not _pressed(call, place, "1")
    if place.digit == "2":
        return _reply(call, subscriber, Place(walk="p"), simulated=simulated)
    if place.digit == "1" and text:
        said, sent = _sms_follow_up(call, subscriber, place, language, text, simulated)
        return Reply(
            said + phrases.after_answer(language, sms=False),
            gather=place_again(place),
            kept=sent,
        )
    if place.digit == restart_key() and (subscriber.opted_out or subscriber.undeliverable):
        outcome = act(Request(Command("opt_in")), subscriber, message_key="")
        if not simulated:
            _record(call, subscriber, place, "opt_in", "", walk_key=f"{place.after}+{place.digit}")
        said = phrases.answer(outcome, today=timezone.localdate(), restart_key=restart_key())
        return Reply(said + phrases.after_answer(language, sms=offer), gather=place_again(place))
    if place.silent > REPEATS:
        return Reply(phrases.goodbye(language), hangup=True)
    said = phrases.after_answer(language, sms=offer)
    if place.digit:
        with translation.override(language):
            said = phrases.said(pgettext("ussd", "Not a choice."), language) + said
    return Reply(said, gather=place_again(place), silent=place.silent)


def place_again(place: Place) -> Place:
    return Place(after=place.after)


def _pressed(call: VoiceCall, place: Place, digit: str) -> bool:
    """Whether ``digit`` was pressed after the answer ``place`` follows in this call."""
    return Place(after=place.after, digit=digit).key() in call.responses


def _sms_follow_up(
    call: VoiceCall,
    subscriber: Subscriber,
    place: Place,
    language: str,
    text: str,
    simulated: bool,
) -> tuple[phrases.Utterance, bool]:
    """The answer by SMS, queued once per answer of the call (a retry queues nothing
    more), and whether it is on its way; refused (and said why) for a number that
    stopped SMS or has had its day's segments."""
    if subscriber.opted_out or subscriber.undeliverable:
        return phrases.sms_refused(language, "stopped", restart_key=restart_key()), False
    if simulated:
        return phrases.sms_sent(language), True
    key = f"voice:{call.call_sid}:{place.after}"[:120]
    if not OutboundMessage.objects.filter(idempotency_key=key).exists():
        segments = counters.count(
            "sms-segments",
            subscriber.phone,
            window_seconds=86400,
            by=count_segments(text).segments,
        )
        if segments > settings.SMS_MAX_SEGMENTS_PER_DAY:
            return phrases.sms_refused(language, "limit", restart_key=restart_key()), False
    try:
        outbound.queue_sms(
            to=subscriber.phone,
            body=text,
            idempotency_key=key,
            priority=OutboundMessage.Priority.REPLY,
        )
    except outbound.NotSendable:
        return phrases.sms_refused(language, "stopped", restart_key=restart_key()), False
    return phrases.sms_sent(language), True


def repliable(phone: str) -> str | None:
    """The caller's number in E.164, or None when we do not serve it (hidden or
    alphanumeric caller ids, countries outside SMS_ALLOWED_COUNTRIES)."""
    if not is_person(phone):
        return None
    try:
        number = normalize_phone(phone)
    except InvalidPhone:
        return None
    return number if country_allowed(number) else None


def simulate_call(*, phone: str, place: Place) -> Reply | None:
    """What ``phone`` would hear at ``place`` of a call, changing nothing (what the
    walk would subscribe or stop is rolled back, no SMS is queued, no limit counted).
    None for a number the line does not serve. For the dashboard's simulator."""
    number = repliable(phone)
    if number is None:
        return None
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(phone=number)
        call = VoiceCall(call_sid="simulator", phone=number, language=subscriber.language)
        if place.after is not None:  # the answer it follows, walked again
            walk, _, keys = place.after.partition(":")
            _reply(call, subscriber, Place(walk=walk, keys=keys), simulated=True)
        reply = _reply(call, subscriber, place, simulated=True)
        transaction.set_rollback(True)
    return reply
