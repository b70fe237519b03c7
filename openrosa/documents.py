"""The XML documents of the OpenRosa protocol (formList, manifest, the answer to a
submission), and the headers every OpenRosa answer carries."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils.http import http_date

XFORMS_LIST = "http://openrosa.org/xforms/xformsList"
MANIFEST = "http://openrosa.org/xforms/xformsManifest"
RESPONSE = "http://openrosa.org/http/response"
#: The largest submission accepted, told to Collect before it sends.
ACCEPT_CONTENT_LENGTH = 10 * 1024 * 1024


def openrosa_response(
    body: str, *, status: int = 200, content_type: str = "text/xml"
) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=f"{content_type}; charset=utf-8")
    response["X-OpenRosa-Version"] = "1.0"
    response["Date"] = http_date()
    return response


def _listing(namespace: str, root: str, item: str, entries: list[dict[str, str]]) -> str:
    items = "".join(
        f"<{item}>"
        + "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in entry.items())
        + f"</{item}>"
        for entry in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{namespace}">{items}</{root}>'


def form_list(forms: list[dict[str, str]]) -> str:
    return _listing(XFORMS_LIST, "xforms", "xform", forms)


def manifest(files: list[dict[str, str]]) -> str:
    return _listing(MANIFEST, "manifest", "mediaFile", files)


def message_response(message: str, *, status: int, nature: str = "") -> HttpResponse:
    """An OpenRosaResponse whose message Collect shows the agent."""
    kind = f' nature="{nature}"' if nature else ""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><OpenRosaResponse xmlns="{RESPONSE}">'
        f"<message{kind}>{escape(message)}</message></OpenRosaResponse>"
    )
    return openrosa_response(body, status=status)
