"""Accounts in the admin: Django's own user pages, except that "Active" is changed only
by the list's actions, which go through ``telecentre.accounts`` (a deactivated account's
Collect keys and API token are revoked for good, with the reason in the audit trail)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from agriprices.roles import signed_in_user
from telecentre import accounts


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=accounts.REASON_MAX_LENGTH,
        help_text=gettext_lazy("Kept in the audit trail, e.g. “left the project in May”."),
    )


class AccountChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        help_texts = {
            "is_active": gettext_lazy(
                "Changed from the list of users: tick the account and choose “Deactivate "
                "selected accounts…” (its Collect keys and API token are revoked for good, "
                "the reason kept in the audit trail) or “Reactivate selected accounts”."
            )
        }


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    form = AccountChangeForm
    actions = ["deactivate", "reactivate"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "is_active") if obj is not None else readonly

    @admin.action(description=gettext_lazy("Deactivate selected accounts…"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        form = DeactivateForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = revoked = 0
            for user_id in queryset.values_list("pk", flat=True):
                try:
                    change = accounts.deactivate_account(
                        user_id=user_id,
                        by=signed_in_user(request),
                        reason=form.cleaned_data["reason"],
                    )
                except accounts.AccountError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    continue
                done += change.changed
                revoked += change.keys_revoked
            self.message_user(
                request,
                ngettext("%(n)d account deactivated;", "%(n)d accounts deactivated;", done)
                % {"n": done}
                + " "
                + ngettext("%(n)d Collect key revoked.", "%(n)d Collect keys revoked.", revoked)
                % {"n": revoked},
            )
            return None
        return TemplateResponse(
            request,
            "admin/auth/user/deactivate.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Deactivate accounts"),
                "form": form,
                "users": queryset.order_by("username"),
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=gettext_lazy("Reactivate selected accounts"), permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user_id in queryset.values_list("pk", flat=True):
            try:
                done += accounts.reactivate_account(
                    user_id=user_id, by=signed_in_user(request)
                ).changed
            except accounts.AccountError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        self.message_user(
            request,
            ngettext(
                "%(n)d account reactivated; its phones need new Collect keys.",
                "%(n)d accounts reactivated; their phones need new Collect keys.",
                done,
            )
            % {"n": done},
        )
