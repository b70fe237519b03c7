"""The site's own address, for links that leave it (the operators' mail, Collect keys):
``SITE_URL`` when set, else https:// and the first host ``ALLOWED_HOSTS`` names."""

from __future__ import annotations

from django.conf import settings


def base_url() -> str | None:
    """``https://prices.example.org`` without a final slash; None when nothing says."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
    return f"https://{hosts[0]}" if hosts else None


def absolute(path: str) -> str:
    """``path`` on the site's address; the path alone when the address is not known."""
    base = base_url()
    return f"{base}{path}" if base else path
