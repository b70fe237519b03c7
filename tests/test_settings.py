"""Settings come from the environment; checked in fresh processes, as a deployer starts one."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CELERY_BROKER_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_without_a_secret_when_debug_is_off():
    result = run_django("print('started')", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_mode_starts_without_a_secret():
    result = run_django("print('started')", DEBUG="true")
    assert result.stdout.strip() == "started", result.stderr


def test_sqlite_runs_in_wal_mode(tmp_path):
    db = tmp_path / "wal.sqlite3"
    result = run_django(
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])",
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{db}",
    )
    assert result.stdout.strip() == "wal", result.stderr


def test_knobs_come_from_the_environment():
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.AGRIPRICES_CURRENCY, s.TIME_ZONE, s.ALLOWED_HOSTS, s.CELERY_TASK_ALWAYS_EAGER, "
        "s.DATABASES['default']['ENGINE'])",
        SECRET_KEY="x" * 50,
        AGRIPRICES_CURRENCY="xof",
        TIME_ZONE="Africa/Dakar",
        ALLOWED_HOSTS="prices.example.org",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://u@db.example.org/prices",
    )
    assert result.stdout.split() == [
        "XOF",
        "Africa/Dakar",
        "['prices.example.org']",
        "False",
        "django.db.backends.postgresql",
    ], result.stderr


def test_without_a_broker_tasks_run_in_process():
    result = run_django(
        "from django.conf import settings as s; print(s.CELERY_TASK_ALWAYS_EAGER)", DEBUG="true"
    )
    assert result.stdout.strip() == "True"


def test_the_four_interface_languages():
    assert [code for code, _ in settings.LANGUAGES] == ["en", "fr", "ru", "ky"]


@pytest.mark.django_db
def test_a_task_runs_in_process_without_a_broker(potatoes, osh):
    from agriprices.tasks import rebuild_latest_prices

    assert rebuild_latest_prices.delay().get() == {"series": 0}


SECURITY_KNOBS = (
    "from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
    "s.SECURE_SSL_REDIRECT)"
)


@pytest.mark.parametrize(
    "https, expected",
    [
        # A telecentre serving its LAN over plain HTTP: cookies a browser sends back.
        ({}, ["False", "False", "0", "False"]),
        ({"HTTPS": "false"}, ["False", "False", "0", "False"]),
        ({"HTTPS": "true"}, ["True", "True", "31536000", "True"]),
    ],
)
def test_secure_cookies_and_hsts_follow_https_not_debug(https, expected):
    result = run_django(SECURITY_KNOBS, DEBUG="false", SECRET_KEY="x" * 50, **https)
    assert result.stdout.split() == expected, result.stderr


def test_check_deploy_over_plain_http_warns_and_does_not_fail(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in {"HTTPS", "DATABASE_URL"}},
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "telecentre.lan",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Django's own deployment warnings name what plain HTTP gives up.
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr, warning


@pytest.mark.parametrize(("debug", "required"), [("false", "True"), ("true", "False")])
def test_two_factor_is_required_by_default_unless_debug(debug, required):
    result = run_django(
        "from django.conf import settings; print(settings.REQUIRE_TWO_FACTOR)",
        DEBUG=debug,
        SECRET_KEY=secrets.token_urlsafe(40),
    )
    assert result.stdout.strip() == required, result.stderr
