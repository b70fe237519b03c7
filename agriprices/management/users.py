"""Finding the user a management command names."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import CommandError


def active_user(username: str) -> User:
    """The active user called ``username``, or a CommandError saying why not."""
    user_model = get_user_model()
    try:
        user = user_model.objects.get(username=username)
    except user_model.DoesNotExist:
        raise CommandError(f"no user {username!r}") from None
    if not user.is_active:
        raise CommandError(f"{username} is not active")
    return user
