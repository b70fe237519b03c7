"""Real servers of a test's own, on loopback: a PostgreSQL and a Redis server (started
in a temporary directory, so they can be stopped without touching anyone else's),
gunicorn, a Celery worker with beat, and a local stand-in for Twilio's REST API. Shared
by the fault scenarios (fault_scenarios.py), the recovery tests and the benchmarks."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WFP_FILE = ROOT / "tests" / "data" / "wfp_food_prices_blr.csv"
TOKEN = "faults-twilio-token-not-a-secret"  # noqa: S105 - a local stand-in's token
ACCOUNT = "AC" + "f" * 32
QUESTIONS = ["POTATOES MINSK", "HELP", "LIST", "POTATOES", "MINSK"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


class OwnPostgres:
    def __init__(self, root: Path) -> None:
        self.bin = postgres_bin()
        self.data = root / "pgdata"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/agriprices"

    def create(self) -> None:
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres"]
                + ["--auth=trust", "-E", "UTF8", "--no-sync"]
            ),
            check=True,
            capture_output=True,
        )
        self.start()
        import psycopg

        with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE agriprices")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} "
            "-c fsync=off -c full_page_writes=off"
        )
        subprocess.run(
            _as_postgres(
                [str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w"]
                + ["-l", str(self.data / "server.log"), "start"]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w"])
            + ["stop"],
            check=False,
            capture_output=True,
        )

    def query(self, sql: str, *params: Any) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()


class OwnRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_for(lambda: _pings(client), 10, "redis-server")

    def stop(self) -> None:
        """Gone at once, like a crash: this server keeps nothing on disk."""
        if self.process:
            self.process.kill()
            self.process.wait()
            self.process = None


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - not up yet, whatever the reason
        return False


class TwilioStub:
    """Twilio's Messages resource on loopback: POST creates (recorded), GET lists (what
    the recovery sweep asks). ``behaviour`` scripts the next POSTs: "hang-after" records
    the message and answers too late; "hang-before" never records it; "429"/"500"
    refuse it; "slow" records it and answers after ``slow_seconds``."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self.behaviour: list[str] = []
        self.slow_seconds = 0.0
        self.hang_seconds = 30.0
        self.posts = 0
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])))
                to, body = form[b"To"][0].decode(), form[b"Body"][0].decode()
                with stub.lock:
                    stub.posts += 1
                    step = stub.behaviour.pop(0) if stub.behaviour else "ok"
                if step in ("429", "500"):
                    return self._json(int(step), {"code": 20000 + int(step), "message": step})
                if step == "hang-before":
                    time.sleep(stub.hang_seconds)
                    return None
                message = stub.record(to, body)
                if step == "hang-after":
                    time.sleep(stub.hang_seconds)
                elif stub.slow_seconds:
                    time.sleep(stub.slow_seconds)
                with contextlib.suppress(OSError):  # the caller may have died meanwhile
                    self._json(201, message)
                return None

            def do_GET(self) -> None:  # noqa: N802
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                to = query.get("To", [""])[0]
                with stub.lock:
                    found = [m for m in reversed(stub.sent) if m["to"] == to][:50]
                self._json(200, {"messages": found, "next_page_uri": None, "page": 0})

            def _json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, to: str, body: str) -> dict[str, str]:
        from datetime import UTC, datetime

        with self.lock:
            message = {
                "sid": f"SM{len(self.sent) + 1:032d}",
                "to": to,
                "body": body,
                "status": "queued",
                "date_created": format_datetime(datetime.now(UTC)),
                "account_sid": ACCOUNT,
            }
            self.sent.append(message)
            return message

    def received_by(self) -> Counter:
        with self.lock:
            return Counter(m["to"] for m in self.sent)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Stack:
    """Everything a deployment runs, on loopback."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.postgres = OwnPostgres(root)
        self.redis = OwnRedis()
        self.twilio = TwilioStub()
        self.web_port = free_port()
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
            "DATABASE_URL": self.postgres.url,
            # The WFP file the stack is filled from is priced in BYR.
            "AGRIPRICES_CURRENCY": "BYR",
            "CACHE_URL": self.redis.url(1),
            "CELERY_BROKER_URL": self.redis.url(0),
            "SMS_SPOOL_DIR": str(self.root / "spool"),
            "DEBUG": "false",
            "SECRET_KEY": "faults-only-not-a-secret",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "600",
            "SMS_BACKEND": "sms_gateway.backends.twilio.TwilioBackend",
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM_NUMBER": "+15005550006",
            "TWILIO_API_BASE_URL": self.twilio.url,
            "TWILIO_TIMEOUT_SECONDS": "2",
            "SMS_SEND_RATE": "200/s",
            "SMS_SEND_LEASE_SECONDS": "4",
            "SMS_PUBLISH_GRACE_SECONDS": "2",
            "SMS_REPUBLISH_AFTER_SECONDS": "20",
            "SMS_RECOVERY_EVERY_SECONDS": "2",
            "SMS_SPOOL_REPLAY_EVERY_SECONDS": "2",
            "SMS_MAX_QUERIES_PER_HOUR": "1000",
        }

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def up(self) -> None:
        self.postgres.create()
        self.redis.start()
        self.manage("migrate", "--noinput")
        self.manage("import_prices", str(WFP_FILE), "--format", "wfp")
        self.start_web()
        self.start_worker()

    def start_web(self) -> None:
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "2"]
            + ["--bind", f"127.0.0.1:{self.web_port}", "--log-level", "warning"],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        wait_for(lambda: _answers(f"http://127.0.0.1:{self.web_port}/healthz"), 30, "gunicorn")

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat"]
            + ["-s", str(self.root / "beat-schedule"), "-Q", "sms-replies,sms-bulk,celery"]
            + ["--concurrency", "2", "--loglevel", "WARNING"],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "worker.log", "ab"),  # noqa: SIM115 - the child holds it
        )

    def kill_worker(self) -> None:
        """SIGKILL to the worker and its pool processes at once: no goodbye, no ack."""
        if self.worker:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait()
            self.worker = None

    def down(self) -> None:
        for process in (self.web, self.worker):
            if process and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.twilio.close()
        self.redis.stop()
        self.postgres.stop()

    # --- what Twilio would do -------------------------------------------------------
    def text(self, sender: str, body: str, sid: str) -> dict[str, Any]:
        """POST a signed inbound SMS, as Twilio does; returns status, reply, time."""
        from twilio.request_validator import RequestValidator

        url = f"http://127.0.0.1:{self.web_port}/sms/twilio/inbound/"
        params = {"MessageSid": sid, "From": sender, "To": "+15005550006", "Body": body}
        signature = RequestValidator(TOKEN).compute_signature(url, params)
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature},
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                status, xml = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, xml = exc.code, ""
        except OSError:
            status, xml = 0, ""
        match = re.search(r"<Message>(.*?)</Message>", xml, re.S)
        return {
            "sid": sid,
            "from": sender,
            "status": status,
            "reply": match.group(1) if match else "",
            "ms": (time.perf_counter() - started) * 1000,
        }

    def text_at_rate(
        self, rate: float, stop: threading.Event, phase: Callable[[], str], prefix: str
    ) -> list[dict[str, Any]]:
        """Inbound SMS from new numbers at ``rate`` per second until ``stop`` is set."""
        results: list[dict[str, Any]] = []
        with ThreadPoolExecutor(8) as pool:
            futures = []
            n = 0
            started = time.monotonic()
            while not stop.is_set():
                sender = f"+996555{n:06d}"
                current = phase()

                def one(sender: str = sender, n: int = n, current: str = current) -> None:
                    result = self.text(sender, QUESTIONS[n % len(QUESTIONS)], f"{prefix}{n:08d}")
                    results.append({**result, "phase": current})

                futures.append(pool.submit(one))
                n += 1
                time.sleep(max(0.0, started + n / rate - time.monotonic()))
            for future in futures:
                future.result()
        return results


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def stack() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="agriprices-faults-"))
    root.chmod(0o755)  # the postgres user must reach its data directory
    running = Stack(root)
    try:
        running.up()
        yield running
    finally:
        running.down()
        shutil.rmtree(root, ignore_errors=True)
