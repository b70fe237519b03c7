"""Gunicorn's access log, masked like every other log line. Gunicorn writes the request
line itself, outside Django's LOGGING: without this, every Collect request would leave
its key in the log (``GET /openrosa/key/<token>/formList``), and a GET webhook its
caller's phone number (URL-escaped, ``%2B996...``: unescaped before masking)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from gunicorn.glogging import Logger

from config.logs import mask_secrets


class MaskedLogger(Logger):
    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        # "t" is the time, which holds nothing secret.
        return {
            name: mask_secrets(unquote(value)) if isinstance(value, str) and name != "t" else value
            for name, value in atoms.items()
        }
