"""The voice line's menus: the USSD menus' walk (``MenuWalk``: the same choices, the same
lists kept with the call so a key names what was said, the same acting), laid out for
the ear. A menu says each choice with its key, nine at most ("0" for more, "*" to go
back); a key that is no choice says the menu again after "Not a choice.". A choice
that leads nowhere (a crop no market has a price of, a list with nothing in it) says
so and the menu it was made in again: a call never ends on a dead end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext

from agriprices.models import Commodity
from agriprices.selectors.latest import best_paying_markets
from sms_gateway import replies
from sms_gateway.channels.contacts import Limits
from sms_gateway.conversation.acting import Outcome, always_acted_on
from sms_gateway.conversation.understanding import Request
from sms_gateway.models import Subscriber
from sms_gateway.ussd.menus import Item, Lists, MenuWalk, Screen, _Frame
from voice import phrases

#: Choices said in one menu: the keys 1 to 9 (0 is "more").
PAGE = 9


@dataclass(frozen=True)
class Prompt:
    """What a caller hears before pressing a key (``said``), or, with ``final``, the end
    of a walk: ``outcome`` when the core answered (None for a closing note)."""

    said: phrases.Utterance
    final: bool = False
    outcome: Outcome | None = None
    text: str = ""  # the answer as an SMS says it (what "press 1" sends)
    limited: bool = False


class VoiceWalk(MenuWalk):
    more, back = "0", "*"

    def __init__(
        self,
        subscriber: Subscriber,
        lists: Lists,
        language: str,
        *,
        start: Sequence[str] = (),
        counted: bool = True,
    ) -> None:
        super().__init__(subscriber, lists, language, start=start)
        self.counted = counted
        self.limited = False
        #: Said before the menu when the last key led nowhere ("No price for X yet."),
        #: the caller back in the menu he pressed it in.
        self.notice: phrases.Utterance = []

    def step(self, answer: str) -> bool:
        self.notice = []
        depth = len(self.frames)
        moved = super().step(answer)
        if self.final is None and len(self.frames) > depth and not self._items(self.frames[-1]):
            self.frames.pop()  # an empty list (nothing followed, say): back where it was chosen
            with translation.override(self._lang):
                note = pgettext("ussd", "Nothing to choose here.")
            self.notice = phrases.said(note, self._lang)
        return moved

    def _picked_crop(self, crop: Commodity) -> None:
        # Kept with the call's lists like every list it heard, so the keys pressed after
        # are replayed the same way whatever prices arrive meanwhile.
        then = self.frames[-1].chosen["then"]
        if then == "query":
            key = f"markets:{self._lang}:query:{crop.pk}"
            priced = self._listed(key, lambda: self._market_ids("query", crop))
        elif then == "sell":
            priced = self._listed(f"sells:{crop.pk}", lambda: _sells(crop))
        else:
            priced = [True]
        if not priced:
            self.notice = phrases.no_price(crop.display_name(self._lang), self._lang)
            return
        super()._picked_crop(crop)

    def _finish(self, *requests: Request) -> None:
        # A question answered by voice counts against the number's hourly questions, like
        # an SMS; stopping and restarting SMS always act.
        asks = not all(always_acted_on(r.action) for r in requests)
        if self.counted and asks and self.subscriber.pk:
            allowed, _first_over = Limits(self.subscriber.phone).ask()
            if not allowed:
                self.limited = True
                self.final = Screen("", final=True)
                return
        super()._finish(*requests)

    def answer_screen(self, outcome: Outcome) -> Screen:
        """The answer as one SMS says it: what the caller can have sent by pressing 1."""
        return Screen(replies.render(outcome.answer, outcome.language), final=True)

    def _pages(self, frame: _Frame, labels: Sequence[str]) -> list[list[int]]:
        # Nine choices a menu at most: the keys 1 to 9 (0 is "more").
        indexes = list(range(len(labels)))
        return [indexes[i : i + PAGE] for i in range(0, len(indexes), PAGE)] or [[]]

    def prompt(self, wrong: bool, *, today: date, welcome: bool = False) -> Prompt:
        """What the caller hears now."""
        language = self._lang
        if self.final is not None:
            if self.limited:
                return Prompt(phrases.too_many_questions(language), final=True, limited=True)
            if self.outcome is None:  # a closing note ("No longer offered.")
                return Prompt(phrases.said(self.final.text, language), final=True)
            return Prompt(
                phrases.answer(self.outcome, today=today, restart_key=restart_key()),
                final=True,
                outcome=self.outcome,
                text=self.final.text,
            )
        frame = self.frames[-1]
        items = self._items(frame)
        opening = (phrases.welcome(language) if welcome else []) + self.notice
        if frame.kind == "languages":
            said = phrases.language_choice([code for code, _name in settings.LANGUAGES])
            if wrong:
                said = phrases.said(self._note(), language) + said
            if len(self.frames) > 1 and not welcome:
                with translation.override(language):
                    said += phrases.said(pgettext("voice", "To go back, press star."), language)
            return Prompt(opening + said)
        if not items:
            with translation.override(language):
                note = pgettext("ussd", "Nothing to choose here.")
            return Prompt(phrases.said(note, language), final=True)
        pages = self._pages(frame, [label for label, _ in items])
        page = min(frame.page, len(pages) - 1)
        heading = self._note() if wrong else self._heading(frame)
        if frame.kind == "main":
            heading = self._note() if wrong else ""
        labels = self._said_labels(frame, items)
        said = phrases.menu(
            heading,
            [labels[i] for i in pages[page]],
            language,
            more=page + 1 < len(pages),
            back=len(self.frames) > 1 or page > 0,
        )
        return Prompt(opening + said)

    def _action(self, entry: str) -> Item:
        label, choose = super()._action(entry)
        if entry == "languages":
            # Said, not read: the codes a USSD screen adds ("EN/FR/RU/KY", for a reader
            # of any script) are no words; the next menu offers each language in itself.
            with translation.override(self._lang):
                label = pgettext("ussd", "Language")
        return label, choose

    def _said_labels(self, frame: _Frame, items: Sequence[Item]) -> list[phrases.Part]:
        """The choices as said. A followed crop and market is the crop's name and "in
        <market>", two clips the catalogue's lists have, not one clip a pair."""
        labels: list[phrases.Part] = [label for label, _choose in items]
        if frame.kind != "followed":
            return labels
        crops, places = self._names
        pairs = self.lists.get(f"followed:{self._lang}", [])
        for index, (crop_id, market_id) in enumerate(pairs[: len(labels)]):
            crop, market = crops.get(crop_id), places.get(market_id)
            if crop is not None and market is not None:
                labels[index] = phrases.crop_in_market(crop, market, self._lang)
        return labels


def _sells(crop: Commodity) -> list[bool]:
    """[True] when some market pays for ``crop`` now (what "where to sell" says), else []."""
    return [True] if best_paying_markets(commodity=crop, limit=1) else []


def restart_key() -> str:
    """The key of "Get SMS again" in the main menu of a number that stopped our SMS: the
    key a caller is told to press for them (a phone has keys, not the command START)."""
    walk = VoiceWalk(Subscriber(phone="", opted_out=True), {}, "", counted=False)
    return str(walk._main_entries().index("opt_in") + 1)


def menu_texts(language: str) -> list[str]:
    """Every label and heading the menus say in ``language`` (for the clips page)."""
    walk = VoiceWalk(Subscriber(phone=""), {}, language, counted=False)
    texts = []
    with translation.override(language):
        for entry in ("query", "sell", "subscribe", "followed", "confirm_stop", "opt_in"):
            texts.append(walk._action(entry)[0])
        for kind in ("confirm_stop", "confirm_start", "crop", "market", "followed"):
            texts.append(walk._heading(_Frame(kind)))
        texts += [
            walk._action("languages")[0],
            pgettext("ussd", "Yes, stop them"),
            pgettext("ussd", "Yes, get SMS again"),
            pgettext("ussd", "Not a choice."),
            pgettext("ussd", "No longer offered. Dial again."),
            pgettext("ussd", "Nothing to choose here."),
            pgettext("ussd", "Too many answers. Dial again."),
        ]
    return texts
