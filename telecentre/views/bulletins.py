"""Bulletins: listed, shown, written (from the warnings too), published and taken down."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agriprices.api.errors import PageNotFound
from agriprices.roles import signed_in_user
from sms_gateway.segments import count_segments
from telecentre.access import needs_permission
from telecentre.forms import (
    BulletinForm,
    PublishForm,
)
from telecentre.models import Bulletin
from telecentre.services import (
    BulletinError,
    broadcast_preview,
    expire_bulletin,
    publish_bulletin,
    warnings_draft,
)
from telecentre.views.region import chosen_region


def _bulletin_or_404(pk: int, bulletins: QuerySet[Bulletin] | None = None) -> Bulletin:
    found = (Bulletin.objects.all() if bulletins is None else bulletins).filter(pk=pk).first()
    if found is None:
        raise PageNotFound(_("No such bulletin."))
    return found


def bulletin_list(request: HttpRequest) -> HttpResponse:
    bulletins = Bulletin.objects.prefetch_related("regions")
    editor = request.user.has_perm("telecentre.change_bulletin")
    if not editor:
        bulletins = bulletins.current()
    return render(
        request,
        "telecentre/bulletins.html",
        {"bulletins": bulletins.order_by("-published_at", "-created_at")[:50], "editor": editor},
    )


def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin_or_404(pk, Bulletin.objects.prefetch_related("regions"))
    if bulletin.status != "published" and not request.user.has_perm("telecentre.view_bulletin"):
        raise PageNotFound(_("No such bulletin."))
    return render(request, "telecentre/bulletin.html", {"bulletin": bulletin})


def _bulletin_form(request: HttpRequest, bulletin: Bulletin | None) -> HttpResponse:
    initial = None
    if bulletin is None and request.GET.get("from") == "warnings":
        initial = warnings_draft(region=chosen_region(request), language=get_language())
    form = BulletinForm(request.POST or None, instance=bulletin, initial=initial)
    summary = form["sms_summary"].value() or ""
    counted = count_segments(" ".join(summary.split()))
    if request.method == "POST" and "check" not in request.POST and form.is_valid():
        saved = form.save(commit=False)
        if saved.created_by_id is None:
            saved.created_by = request.user
        saved.save()
        form.save_m2m()
        messages.success(request, _("Bulletin saved."))
        return redirect("telecentre:bulletin-publish", pk=saved.pk)
    return render(
        request,
        "telecentre/bulletin_form.html",
        {"form": form, "bulletin": bulletin, "counted": counted, "summary_chars": len(summary)},
    )


@needs_permission("telecentre.add_bulletin")
def bulletin_create(request: HttpRequest) -> HttpResponse:
    return _bulletin_form(request, None)


@needs_permission("telecentre.change_bulletin")
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _bulletin_form(request, _bulletin_or_404(pk))


@needs_permission("telecentre.publish_bulletin")
def bulletin_publish(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin_or_404(pk, Bulletin.objects.prefetch_related("regions"))
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            publish_bulletin(
                bulletin_id=bulletin.pk,
                by=signed_in_user(request),
                send_sms=form.cleaned_data["send_sms"],
            )
        except BulletinError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Bulletin published."))
            bulletin.refresh_from_db()
            if bulletin.broadcast and bulletin.broadcast.status == "awaiting":
                messages.warning(
                    request,
                    _(
                        "The SMS summary goes to many subscribers: it waits for another "
                        "operator's approval (Broadcasts) before a single SMS is sent."
                    ),
                )
                return redirect("telecentre:broadcast", pk=bulletin.broadcast.pk)
            return redirect("telecentre:bulletin", pk=bulletin.pk)
    preview = broadcast_preview(bulletin) if bulletin.sms_summary else None
    return render(
        request,
        "telecentre/bulletin_publish.html",
        {"bulletin": bulletin, "form": form, "preview": preview},
    )


@require_POST
@needs_permission("telecentre.change_bulletin")
def bulletin_expire(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin_or_404(pk)
    expire_bulletin(bulletin_id=bulletin.pk, by=signed_in_user(request))
    messages.success(request, _("Bulletin taken down."))
    return redirect("telecentre:bulletins")
