"""The backup file format: Django's JSON Lines (one object a line, read back as a stream,
so millions of quotes never sit in memory at once), with times kept to the microsecond
(Django's JSON encoder cuts them to milliseconds). Files end in .backup or .backup.gz."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.serializers import jsonl
from django.core.serializers.json import DjangoJSONEncoder


class ExactEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(jsonl.Serializer):
    def _init_options(self) -> None:
        self.options.setdefault("cls", ExactEncoder)
        super()._init_options()  # type: ignore[misc]  # Django's private hook, not in the stubs


Deserializer = jsonl.Deserializer
