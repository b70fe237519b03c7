"""Probes for load balancers: /healthz says the process is up; /readyz says it can
serve: database reachable with every migration applied, cache and broker reachable."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)
_migrated = False  # once true in a process, it stays true


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up; touches nothing else."""
    return HttpResponse("ok", content_type="text/plain")


def _database() -> str:
    global _migrated
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if not _migrated:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return "migrations not applied"
        _migrated = True
    return "ok"


def _cache() -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 5)
    found = cache.get(key)
    cache.delete(key)
    return "ok" if found == "1" else "cache did not keep a value"


def _broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "ok (tasks run in-process)"
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {}
    for name, check in (("database", _database), ("cache", _cache), ("broker", _broker)):
        try:
            checks[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; it is logged
            logger.warning("readyz: %s unreachable: %s", name, exc)
            checks[name] = f"unreachable: {type(exc).__name__}"
    ready = all(value.startswith("ok") for value in checks.values())
    return JsonResponse({"ready": ready, **checks}, status=200 if ready else 503)
