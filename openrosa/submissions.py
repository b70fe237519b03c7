"""A form ODK Collect sent: read it, and record its prices through
``agriprices.services.record_quote_once`` like every other channel (outliers flagged for
review, never dropped). The instance ID Collect gives every filled form makes each
price's external id, so a form sent again stores nothing twice, and the same instance
ID with other prices is a conflict; a price the agent already recorded that day, sent
again on a new form, is "already recorded" too, so Collect's outbox empties. All the
form's prices are stored, or none. Every message is in the phone's language
(``Accept-Language``) and names markets and crops in it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar
from xml.etree.ElementTree import Element  # noqa: S405 - only the type; parsed by defusedxml

from defusedxml import ElementTree
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agriprices.forms import AsciiDateField
from agriprices.models import Commodity, Market, PriceType, Quote, Unit
from agriprices.selectors.agents import can_record_for
from agriprices.selectors.quotes import quotes_by_external_id
from agriprices.services.recording import QuoteError, record_quote_once
from agriprices.validation import text_error
from openrosa.models import Photo
from openrosa.xform import FORM_ID

M = TypeVar("M", bound=models.Model)
#: Most prices one form may carry.
MOST_PRICES = 200


class SubmissionError(Exception):
    """Why a form is refused; nothing of it was stored. ``status`` is the HTTP answer."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Received:
    market: Market
    created: int  # prices new to us
    again: int  # prices this form had sent before
    flagged: int  # of the new ones, held for an operator


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node: Element, name: str) -> Element | None:
    return next((c for c in node if _local(c.tag) == name), None)


def _text(node: Element, name: str) -> str:
    found = _child(node, name)
    return (found.text or "").strip() if found is not None else ""


def _parse(xml: bytes) -> Element:
    try:
        root = ElementTree.fromstring(xml)
    except Exception as exc:  # defusedxml raises ParseError and its own refusals
        raise SubmissionError(
            _("The form is not readable XML (%(error)s).") % {"error": exc}
        ) from None
    if _local(root.tag) != "data" or root.get("id") != FORM_ID:
        raise SubmissionError(
            _("Unknown form %(form)r.") % {"form": root.get("id") or _local(root.tag)}
        )
    return root


def _one(model: type[M], field: str, value: str, unknown: str) -> M:
    """The thing ``value`` names, or the form is refused with ``unknown`` (a sentence
    with ``%(name)s``)."""
    return _known(model._default_manager.in_bulk([value], field_name=field), value, unknown)


def _known(found: Mapping[str, M], value: str, unknown: str) -> M:
    """The thing ``value`` names among those ``found``, or the form is refused with
    ``unknown``."""
    if value not in found:
        raise SubmissionError(unknown % {"name": repr(value[:60])})
    return found[value]


#: A decimal as XForms writes it (XML Schema's): Collect's number widget writes a point
#: whatever the phone's language, so a comma, a space or an exponent is not Collect's.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

#: The files a photo may be.
PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".webp")


@dataclass(frozen=True)
class _Item:
    number: int
    commodity: Commodity
    unit: Unit
    price: Decimal


def _items(root: Element, market: Market) -> list[_Item]:
    """The form's prices, read before any is recorded: a crop named twice is the form's
    mistake, said as such (nothing was stored, so there is no quote to name). A price is
    named as the agent sees it on the phone, by its crop at the form's market; only one
    without a crop is named by its place in the form."""
    nodes = [node for node in root if _local(node.tag) == "prices"]
    if not nodes:
        raise SubmissionError(_("The form has no price."))
    if len(nodes) > MOST_PRICES:
        raise SubmissionError(_("At most %(n)d prices in one form.") % {"n": MOST_PRICES})
    named = [(_text(node, "commodity"), _text(node, "unit"), node) for node in nodes]
    # Two reads for the whole form, not two for each price; a crop with the unit it is
    # priced by, which recording weighs every price against.
    commodities = Commodity.objects.select_related("base_unit").in_bulk(
        {slug for slug, _unit, _node in named}, field_name="slug"
    )
    units = Unit.objects.in_bulk({code for _slug, code, _node in named}, field_name="code")
    items: list[_Item] = []
    seen: set[int] = set()
    for number, (slug, code, node) in enumerate(named, 1):
        if not slug:
            raise SubmissionError(_("Price %(n)d of the form names no crop.") % {"n": number})
        commodity = _known(commodities, slug, _("Unknown commodity %(name)s."))
        if commodity.pk in seen:
            raise SubmissionError(
                _("%(crop)s appears twice in this form.") % {"crop": _name(commodity)}
            )
        seen.add(commodity.pk)
        if not code:
            raise SubmissionError(
                _("The unit of %(crop)s at %(market)s is missing.")
                % {"crop": _name(commodity), "market": _name(market)}
            )
        unit = _known(units, code, _("Unknown unit %(name)s."))
        written = _text(node, "price")
        if not _DECIMAL.fullmatch(written):
            message = (
                _("The price of %(crop)s at %(market)s is not a number.")
                if written
                else _("The price of %(crop)s at %(market)s is missing.")
            )
            raise SubmissionError(message % {"crop": _name(commodity), "market": _name(market)})
        items.append(_Item(number, commodity, unit, Decimal(written)))
    return items


def _day(text: str) -> date:
    """The form's day, read as every date field reads one (YYYY-MM-DD in the digits 0 to
    9, as Collect's date widget writes it), refused with the same words."""
    field = AsciiDateField(error_messages={"required": _("The form has no date.")})
    try:
        day: date = field.clean(text)
    except ValidationError as exc:
        raise SubmissionError(exc.messages[0]) from None
    return day


def _name(thing: Commodity | Market) -> str:
    """A crop's or market's name in the phone's language."""
    return thing.display_name(get_language() or settings.LANGUAGE_CODE)


def receive(*, user: User, xml: bytes, files: Mapping[str, UploadedFile] | None = None) -> Received:
    """Record the prices of one submitted form by ``user``, and keep the photo the form
    names when it came with it (``files``, by file name). Raises SubmissionError, whose
    message is in the active language (the phone's)."""
    root = _parse(xml)
    meta = _child(root, "meta")
    instance_id = _text(meta, "instanceID") if meta is not None else ""
    if not instance_id:
        raise SubmissionError(_("The form has no instanceID."))
    # It names the form's prices (odk:<instanceID>:<n>) and its photo.
    message = text_error(instance_id, Photo._meta.get_field("instance_id"), "instanceID")
    if message:
        raise SubmissionError(message)
    market = _one(Market, "slug", _text(root, "market"), _("Unknown market %(name)s."))
    if not can_record_for(user, market):
        raise SubmissionError(
            _("You are not assigned to the market %(market)s.") % {"market": _name(market)},
            status=403,
        )
    observed_on = _day(_text(root, "observed_on"))
    price_type = _text(root, "price_type") or PriceType.RETAIL
    if price_type not in PriceType.values:
        raise SubmissionError(_("Unknown price type %(name)r.") % {"name": price_type[:20]})
    items = _items(root, market)
    external_ids = {item.number: f"odk:{instance_id}:{item.number}" for item in items}
    created = again = flagged = 0
    with transaction.atomic():
        stored = quotes_by_external_id(list(external_ids.values()))  # a form sent again
        if stored and len(stored) < len(external_ids):
            # A form is stored whole or not at all: some of its prices here means it
            # came before, without the others, so this is another form under its name.
            raise SubmissionError(
                _("This form was sent before with other prices: fill in a new form."),
                status=409,
            )
        for item in items:
            try:
                quote, new = record_quote_once(
                    external_id=external_ids[item.number],
                    stored=stored,
                    agent=user,
                    commodity=item.commodity,
                    market=market,
                    unit=item.unit,
                    price=item.price,
                    observed_on=observed_on,
                    price_type=price_type,
                    source=Quote.Source.COLLECT,
                    assignment_checked=True,  # asked above, for the form's market
                )
            except QuoteError as exc:
                raise _refused(exc, item) from None
            created += new
            again += not new
            flagged += new and quote.status == Quote.Status.FLAGGED
        if created:  # a form restating prices already here brings nothing new
            _keep_photo(user, instance_id, _text(root, "photo"), files or {})
    return Received(market=market, created=created, again=again, flagged=flagged)


def _refused(exc: QuoteError, item: _Item) -> SubmissionError:
    """Why the form is refused for one of its prices, naming that price's crop where the
    reason is the price's own."""
    if exc.code == "conflict":  # this instanceID came before, with other prices
        return SubmissionError(
            _("This form was sent before with other prices: fill in a new form."), status=409
        )
    status = 403 if exc.code == "forbidden" else 400
    if exc.field not in ("price", "unit"):  # the form's day, its market: said whole
        return SubmissionError(exc.message, status=status)
    reason = _("%(crop)s: %(reason)s") % {"crop": _name(item.commodity), "reason": exc.message}
    return SubmissionError(reason, status=status)


def _keep_photo(user: User, instance_id: str, name: str, files: Mapping[str, UploadedFile]) -> None:
    """Store the photo the form names, once; a form sent again keeps the first."""
    upload = files.get(name) if name else None
    if upload is None or Photo.objects.filter(instance_id=instance_id, name=name).exists():
        return
    if not name.lower().endswith(PHOTO_TYPES):
        raise SubmissionError(_("The photo %(name)r is not a picture.") % {"name": name[:60]})
    message = text_error(name, Photo._meta.get_field("name"), _("the photo's name"))
    if message:
        raise SubmissionError(message)
    photo = Photo(instance_id=instance_id, name=name, sent_by=user)
    photo.image.save(f"{uuid.uuid4().hex}{name[name.rfind('.') :].lower()}", upload, save=False)
    photo.save()
