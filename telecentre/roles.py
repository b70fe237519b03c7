"""Operators write and publish bulletins; the groups themselves belong to agriprices."""

from typing import Any

from django.contrib.auth.models import Group, Permission

from agriprices.roles import OPERATORS, ensure_role_groups

OPERATOR_PERMISSIONS = [
    "view_bulletin",
    "add_bulletin",
    "change_bulletin",
    "publish_bulletin",
    "use_sms_simulator",
]
#: The voice line's clips: operators record them.
OPERATOR_VOICE_PERMISSIONS = ["add_recordedclip", "view_recordedclip"]


def grant_bulletin_permissions(**kwargs: Any) -> None:
    """Safe to run any number of times."""
    ensure_role_groups()
    group = Group.objects.get(name=OPERATORS)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="telecentre", codename__in=OPERATOR_PERMISSIONS
        ),
        *Permission.objects.filter(
            content_type__app_label="voice", codename__in=OPERATOR_VOICE_PERMISSIONS
        ),
    )
