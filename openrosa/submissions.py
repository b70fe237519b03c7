"""A form ODK Collect sent: read it, and record its prices through
``agriprices.services.record_quote_once`` like every other channel (outliers flagged for
review, never dropped). The instance ID Collect gives every filled form makes each
price's external id, so a form sent again stores nothing twice, and the same instance
ID with other prices is a conflict. All the form's prices are stored, or none."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from xml.etree.ElementTree import Element  # noqa: S405 - only the type; parsed by defusedxml

from defusedxml import ElementTree
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from agriprices import selectors
from agriprices.models import Commodity, Market, PriceType, Quote, Unit
from agriprices.services import QuoteError, record_quote_once
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
        raise SubmissionError(f"the form is not readable XML ({exc})") from None
    if _local(root.tag) != "data" or root.get("id") != FORM_ID:
        raise SubmissionError(f"unknown form {root.get('id') or _local(root.tag)!r}")
    return root


def _one(model: type[M], field: str, value: str, what: str) -> M:
    found = model._default_manager.filter(**{field: value}).first()
    if found is None:
        raise SubmissionError(f"unknown {what} {value[:60]!r}")
    return found


#: The files a photo may be.
PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".webp")


def receive(*, user: User, xml: bytes, files: Mapping[str, UploadedFile] | None = None) -> Received:
    """Record the prices of one submitted form by ``user``, and keep the photo the form
    names when it came with it (``files``, by file name). Raises SubmissionError."""
    root = _parse(xml)
    meta = _child(root, "meta")
    instance_id = _text(meta, "instanceID") if meta is not None else ""
    if not instance_id:
        raise SubmissionError("the form has no instanceID")
    # It names the form's prices (odk:<instanceID>:<n>) and its photo.
    message = text_error(instance_id, Photo._meta.get_field("instance_id"), "the instanceID")
    if message:
        raise SubmissionError(message)
    market = _one(Market, "slug", _text(root, "market"), "market")
    if not selectors.can_record_for(user, market):
        raise SubmissionError(f"you are not assigned to the market {market.name}", status=403)
    try:
        observed_on = date.fromisoformat(_text(root, "observed_on"))
    except ValueError:
        raise SubmissionError("the date is missing or not a date") from None
    price_type = _text(root, "price_type") or PriceType.RETAIL
    if price_type not in PriceType.values:
        raise SubmissionError(f"unknown price type {price_type[:20]!r}")
    items = [node for node in root if _local(node.tag) == "prices"]
    if not items:
        raise SubmissionError("the form has no price")
    if len(items) > MOST_PRICES:
        raise SubmissionError(f"at most {MOST_PRICES} prices in one form")
    created = again = flagged = 0
    try:
        with transaction.atomic():
            for number, item in enumerate(items, 1):
                commodity = _one(Commodity, "slug", _text(item, "commodity"), "commodity")
                unit = _one(Unit, "code", _text(item, "unit"), "unit")
                try:
                    price = Decimal(_text(item, "price"))
                except InvalidOperation:
                    raise SubmissionError(f"price {number} is not a number") from None
                quote, new = record_quote_once(
                    external_id=f"odk:{instance_id}:{number}",
                    agent=user,
                    commodity=commodity,
                    market=market,
                    unit=unit,
                    price=price,
                    observed_on=observed_on,
                    price_type=price_type,
                    source=Quote.Source.COLLECT,
                )
                created += new
                again += not new
                flagged += new and quote.status == Quote.Status.FLAGGED
            _keep_photo(user, instance_id, _text(root, "photo"), files or {})
    except QuoteError as exc:
        status = {"conflict": 409, "forbidden": 403}.get(exc.code, 400)
        raise SubmissionError(exc.message, status=status) from None
    return Received(market=market, created=created, again=again, flagged=flagged)


def _keep_photo(user: User, instance_id: str, name: str, files: Mapping[str, UploadedFile]) -> None:
    """Store the photo the form names, once; a form sent again keeps the first."""
    upload = files.get(name) if name else None
    if upload is None or Photo.objects.filter(instance_id=instance_id, name=name).exists():
        return
    if not name.lower().endswith(PHOTO_TYPES):
        raise SubmissionError(f"the photo {name[:60]!r} is not a picture")
    message = text_error(name, Photo._meta.get_field("name"), "the photo's name")
    if message:
        raise SubmissionError(message)
    photo = Photo(instance_id=instance_id, name=name, sent_by=user)
    photo.image.save(f"{uuid.uuid4().hex}{name[name.rfind('.') :].lower()}", upload, save=False)
    photo.save()
