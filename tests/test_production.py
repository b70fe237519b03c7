"""What a deployer relies on: readiness probes, security headers, masked JSON logs with
request ids, and `check --deploy` clean under the production settings."""

import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.logs import (
    JsonFormatter,
    PhoneMaskFilter,
    RequestIdFilter,
    mask_phones,
    request_id,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_readyz_checks_database_cache_and_broker(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {
        "ready": True,
        "database": "ok",
        "cache": "ok",
        "broker": "ok (tasks run in-process)",
    }
    assert client.get("/healthz").content == b"ok"


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_down(client, settings):
    from config.celery import app

    saved = app.conf.broker_url
    settings.CELERY_BROKER_URL = app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing there
    try:
        answer = client.get("/readyz")
    finally:
        app.conf.broker_url = saved
    assert answer.status_code == 503
    body = answer.json()
    assert body["ready"] is False and body["broker"].startswith("unreachable")
    assert body["database"] == "ok"


@pytest.mark.django_db
def test_every_page_has_the_security_headers_and_a_request_id(client):
    answer = client.get("/", HTTP_X_REQUEST_ID="lb-1234567890")
    policy = answer["Content-Security-Policy"]
    script = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert script.strip() == "script-src 'self'"
    assert "frame-ancestors 'none'" in policy
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["X-Frame-Options"] == "DENY"
    assert answer["X-Request-ID"] == "lb-1234567890"
    made = client.get("/", HTTP_X_REQUEST_ID="<script>").get("X-Request-ID")
    assert made != "<script>" and len(made) == 32


@pytest.mark.django_db
def test_over_tls_hsts_is_sent_http_is_redirected_and_cookies_are_secure(client, settings):
    # What HTTPS=true sets (config/settings.py), applied to this process.
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    plain = client.get("/bulletins/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    page = client.get("/bulletins/", secure=True)
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    from tests.factories import operator

    operator("olga")
    client.post("/accounts/login/", {"username": "olga", "password": "pw"}, secure=True)
    assert client.cookies["sessionid"]["secure"] is True
    assert client.cookies["sessionid"]["httponly"] is True


@pytest.mark.django_db
def test_with_https_unset_login_works_over_plain_http(client, settings):
    # The test process runs as a telecentre's LAN server would: DEBUG off, HTTPS unset.
    assert settings.DEBUG is False and settings.HTTPS is False
    from tests.factories import operator

    operator("olga")
    form = client.get("/accounts/login/")
    assert form.cookies["csrftoken"]["secure"] == ""  # a browser sends it back over HTTP
    answer = client.post("/accounts/login/", {"username": "olga", "password": "pw"})
    assert answer.status_code == 302
    assert client.cookies["sessionid"]["secure"] == ""
    assert "Strict-Transport-Security" not in answer
    assert "Log out olga" in client.get("/").content.decode()


def test_logs_are_json_with_the_request_id_and_phone_numbers_masked():
    record = logging.LogRecord(
        "sms", logging.INFO, __file__, 1, "reply to %s sent", ("+996555123456",), None
    )
    token = request_id.set("req-42")
    try:
        for log_filter in (RequestIdFilter(), PhoneMaskFilter()):
            log_filter.filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42"
    assert line["message"] == "reply to +9965******56 sent"
    assert "555123" not in json.dumps(line)
    assert mask_phones("quote 42 at 18.50 on 2026-11-23") == "quote 42 at 18.50 on 2026-11-23"
    # A number searched for in the admin, as runserver logs the request line.
    searched = mask_phones('"GET /admin/sms_gateway/inboundmessage/?q=%2B996700000002 HTTP/1.1"')
    assert "996700000002" not in searched and "?q=+9967******02 " in searched


def test_a_telegram_bot_token_in_a_logged_url_is_hidden():
    # urllib3 logs each request line at DEBUG, and a Bot API URL holds the bot's token.
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # noqa: S105 - made up
    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        __file__,
        1,
        '%s "POST %s HTTP/1.1" %s',
        ("https://api.telegram.org:443", f"/bot{token}/sendMessage", 200),
        None,
    )
    PhoneMaskFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))["message"]
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in line and "123456789" not in line
    assert line.endswith('"POST /bot<bot-token>/sendMessage HTTP/1.1" 200')


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HTTPS": "true",
        "ALLOWED_HOSTS": "prices.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_the_compose_file_names_every_process_and_validates():
    import shutil

    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"web", "worker", "bulk", "beat", "postgres", "redis"}
    procfile = (ROOT / "Procfile").read_text()
    for process in ("web:", "worker:", "bulk:", "beat:"):
        assert process in procfile
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose not installed (apt-get install docker-compose)")
    env = {**os.environ, "SECRET_KEY": "compose-check"}
    done = subprocess.run([tool, "config", "-q"], cwd=ROOT, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    env.pop("SECRET_KEY")
    refused = subprocess.run([tool, "config", "-q"], cwd=ROOT, env=env, capture_output=True)
    assert refused.returncode != 0  # no default secret


class _Served:
    """What gunicorn hands its access log: the response and request of one exchange."""

    status = "401 Unauthorized"
    sent = 203
    headers: list[tuple[str, str]] = []


def test_gunicorn_access_log_masks_collect_keys_and_phone_numbers(tmp_path):
    import runpy
    from datetime import timedelta

    from gunicorn.config import Config

    cfg = Config()
    cfg.set("logger_class", runpy.run_path(str(ROOT / "gunicorn.conf.py"))["logger_class"])
    cfg.set("accesslog", str(tmp_path / "access.log"))
    access_log = cfg.logger_class(cfg)
    token = secrets.token_urlsafe(32)
    for uri in (f"/openrosa/key/{token}/formList", "/sms/ussd/?phoneNumber=%2B996555123456"):
        path, _q, query = uri.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": uri,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "10.0.0.7",
        }
        request = type("Request", (), {"headers": [("REFERER", f"https://x{uri}")]})()
        access_log.access(_Served(), request, environ, timedelta(milliseconds=12))
    for handler in access_log.access_log.handlers:
        handler.flush()
    written = (tmp_path / "access.log").read_text()
    assert "GET /openrosa/key/[key]/formList HTTP/1.1" in written
    assert token not in written
    assert token[:20] not in written
    assert "555123" not in written
    assert "10.0.0.7" in written  # the rest of the line is kept


@pytest.mark.django_db
def test_a_refused_collect_key_is_logged_once_and_masked_even_with_debug(client, settings):
    import io

    settings.DEBUG = True  # Django's own console handler writes only with DEBUG
    written = io.StringIO()
    streams = [
        handler
        for name in ("", "django", "django.request", "django.server")
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, logging.StreamHandler)
        and not type(handler).__module__.startswith("_pytest")
    ]
    before = [handler.setStream(written) for handler in streams]
    try:
        # One character from outside the token's alphabet must not leave the rest readable.
        token = "Ab." + secrets.token_urlsafe(32)
        response = client.get(f"/openrosa/key/{token}/formList", secure=True)
    finally:
        for handler, stream in zip(streams, before, strict=True):
            handler.setStream(stream)
    assert response.status_code == 401
    assert token[3:] not in written.getvalue()
    assert written.getvalue().count("Unauthorized: /openrosa/key/[key]/formList") == 1
