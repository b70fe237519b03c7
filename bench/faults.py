"""Fault scenarios against the real parts, each on a PostgreSQL server and a Redis server
of its own (started here, in a temporary directory, so they can be stopped without
touching anyone else's), gunicorn, a Celery worker with beat, and a local stand-in for
Twilio's REST API. Used by tests/test_faults.py (short outages) and by
``python -m bench faults`` (outages of minutes).

    database_down  inbound SMS keep coming while PostgreSQL is stopped: every message is
                   answered exactly once (questions inside the webhook, which needs no
                   database for them; anything else by SMS once it is back)
    redis_down     Redis stops: webhook replies still work; a broadcast started meanwhile
                   waits and reaches everyone once when Redis is back (empty)
    worker_killed  a worker is SIGKILLed while Twilio holds a message: sent exactly once
    slow_twilio    Twilio answers late or with 429/500: everyone gets one SMS, and the
                   webhook's replies are not slowed down
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
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
COMPLETE = "sms:senders:complete"  # sms_gateway.senders.COMPLETE; no Django here
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
            "SMS_JOURNAL_FLUSH_EVERY_SECONDS": "2",
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
        # Steady state, as in production: beat has built the copy of sender settings
        # the webhook reads instead of the database.
        import redis

        broker = redis.Redis.from_url(self.redis.url(0))
        wait_for(lambda: broker.exists(COMPLETE), 60, "the sender settings copy")

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


def settle(running: Stack, timeout: float = 60) -> None:
    """Wait until no outbound SMS is queued or being sent: a copy sent twice would be
    at the stub by then."""
    wait_for(
        lambda: (
            not running.postgres.query(
                "SELECT 1 FROM sms_gateway_outboundmessage WHERE status IN ('queued', 'sending')"
            )
        ),
        timeout,
        "every outbound SMS to be settled",
    )


def reached_everyone(running: Stack, phones: list[str], timeout: float, what: str) -> Counter:
    """Wait until each of ``phones`` has had an SMS and nothing is left to send; returns
    how many each got (a copy sent twice would be there by then)."""
    wait_for(lambda: all(running.twilio.received_by()[p] >= 1 for p in phones), timeout, what)
    settle(running)
    return running.twilio.received_by()


def p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)


def subscribe(running: Stack, count: int) -> list[str]:
    """``count`` numbers that texted SUB POTATOES MINSK (all answered)."""
    phones = [f"+996700{n:06d}" for n in range(count)]
    for n, phone in enumerate(phones):
        result = running.text(phone, "SUB POTATOES MINSK", f"SMsub{n:08d}")
        if result["status"] != 200 or not result["reply"]:
            raise RuntimeError(f"SUB was not answered: {result}")
    return phones


def broadcast(running: Stack, text: str) -> str:
    region = running.postgres.query(
        "SELECT r.slug FROM agriprices_region r JOIN agriprices_market m ON m.region_id = r.id"
        " WHERE m.name = 'Minsk'"
    )[0][0]
    return running.manage("sms_broadcast", text, "--region", region, "--yes")


@contextlib.contextmanager
def texting(
    running: Stack, rate: float, phase: Callable[[], str], prefix: str
) -> Iterator[list[dict[str, Any]]]:
    """Inbound SMS at ``rate`` per second from a thread of its own while the block runs;
    the list it yields holds their results once the block has ended."""
    stop = threading.Event()
    load: list[dict[str, Any]] = []
    loader = threading.Thread(
        target=lambda: load.extend(running.text_at_rate(rate, stop, phase, prefix))
    )
    loader.start()
    try:
        yield load
    finally:
        stop.set()
        loader.join()


# --- the scenarios ----------------------------------------------------------------------
def database_down(down_seconds: float = 120, rate: float = 10) -> dict[str, Any]:
    with stack() as running:
        state = {"phase": "before"}
        with texting(running, rate, lambda: state["phase"], "SMdb") as load:
            time.sleep(3)
            running.postgres.stop()
            state["phase"] = "down"
            time.sleep(down_seconds)
            running.postgres.start()
            state["phase"] = "after"
            time.sleep(5)
        waiting = [r for r in load if not r["reply"]]
        wait_for(
            lambda: set(running.twilio.received_by()) >= {r["from"] for r in waiting},
            120,
            "spooled messages to be answered by SMS",
        )
        settle(running)
        # Questions answered from memory are written by the worker once the database is
        # back (the journal), the spooled ones by the replay.
        wait_for(
            lambda: (
                running.postgres.query("SELECT count(*) FROM sms_gateway_inboundmessage")[0][0]
                >= len(load)
            ),
            60,
            "every message to be in the database",
        )
        by_sms = running.twilio.received_by()
        answers = Counter({r["from"]: 1 for r in load if r["reply"]}) + by_sms
        stored = running.postgres.query(
            "SELECT count(*), count(DISTINCT provider_sid) FROM sms_gateway_inboundmessage"
        )[0]
        subscribers = running.postgres.query("SELECT count(*) FROM sms_gateway_subscriber")[0][0]
        return {
            "down_seconds": down_seconds,
            "rate_per_second": rate,
            "messages": len(load),
            "during_outage": sum(r["phase"] == "down" for r in load),
            "http_statuses": dict(Counter(r["status"] for r in load)),
            "answered_in_webhook": len(load) - len(waiting),
            "answered_in_webhook_during_outage": sum(
                bool(r["reply"]) for r in load if r["phase"] == "down"
            ),
            "answered_by_sms_after": sum(by_sms.values()),
            "answered_exactly_once": sum(answers[r["from"]] == 1 for r in load),
            "lost": sum(answers[r["from"]] == 0 for r in load),
            "answered_twice": sum(answers[r["from"]] > 1 for r in load),
            "stored": stored[0],
            "stored_distinct": stored[1],
            "subscribers": subscribers,
            "p99_ms_database_down": p99([r["ms"] for r in load if r["phase"] == "down"]),
            "p99_ms_database_up": p99([r["ms"] for r in load if r["phase"] != "down"]),
        }


def redis_down(down_seconds: float = 60, rate: float = 10, subscribers: int = 20) -> dict:
    with stack() as running:
        phones = subscribe(running, subscribers)
        running.redis.stop()
        with texting(running, rate, lambda: "down", "SMrd") as load:
            time.sleep(1)
            started = broadcast(running, "Frost tonight: cover seedlings.")
            time.sleep(down_seconds)
        sent_while_down = sum(running.twilio.received_by()[p] for p in phones)
        running.redis.start()  # empty: whatever the broker held is gone
        got = reached_everyone(running, phones, 90, "the broadcast to reach every subscriber")
        return {
            "down_seconds": down_seconds,
            "webhook_messages_while_down": len(load),
            "http_statuses": dict(Counter(r["status"] for r in load)),
            "answered_in_webhook": sum(bool(r["reply"]) for r in load),
            "p99_ms_redis_down": p99([r["ms"] for r in load]),
            "median_ms_redis_down": round(statistics.median(r["ms"] for r in load), 1),
            "broadcast_command": started.strip().splitlines()[-1],
            "broadcast_sms_while_down": sent_while_down,
            "subscribers": len(phones),
            "broadcast_received_once": sum(got[p] == 1 for p in phones),
            "broadcast_received_twice": sum(got[p] > 1 for p in phones),
        }


def worker_killed(where: str = "hang-after", subscribers: int = 10) -> dict[str, Any]:
    """``where``: the killed send had reached Twilio ("hang-after") or had not
    ("hang-before")."""
    with stack() as running:
        phones = subscribe(running, subscribers)
        running.twilio.behaviour = [where]
        before = running.twilio.posts
        broadcast(running, "Market closed on Friday.")
        wait_for(lambda: running.twilio.posts > before, 30, "the first send to reach Twilio")
        time.sleep(0.3)
        running.kill_worker()
        killed_at = time.monotonic()
        running.start_worker()
        # Until the killed worker's claim is settled too (sent, or asked of Twilio and
        # marked sent): every subscriber may have their SMS well before that.
        got = reached_everyone(running, phones, 90, "every subscriber's SMS after the restart")
        recovered = time.monotonic() - killed_at
        return {
            "killed_during": where,
            "subscribers": len(phones),
            "received_once": sum(got[p] == 1 for p in phones),
            "received_twice": sum(got[p] > 1 for p in phones),
            "seconds_to_recover": round(recovered, 1),
        }


def slow_twilio(subscribers: int = 30, slow_seconds: float = 1.0) -> dict[str, Any]:
    with stack() as running:
        phones = subscribe(running, subscribers)
        running.twilio.slow_seconds = slow_seconds
        # One answer slower than the client waits (settled by asking Twilio), then
        # refusals that are retried with backoff.
        running.twilio.behaviour = ["hang-after", "429", "500", "429"]
        running.twilio.hang_seconds = 5
        broadcast(running, "Bulletin: locusts reported east of Minsk.")
        with texting(running, 10, lambda: "slow", "SMsl") as load:
            got = reached_everyone(running, phones, 180, "every SMS through a slow Twilio")
        return {
            "subscribers": len(phones),
            "twilio_answer_seconds": slow_seconds,
            "received_once": sum(got[p] == 1 for p in phones),
            "received_twice": sum(got[p] > 1 for p in phones),
            "twilio_posts": running.twilio.posts,
            "webhook_statuses_meanwhile": dict(Counter(r["status"] for r in load)),
            "webhook_p99_ms_meanwhile": p99([r["ms"] for r in load]),
        }


SCENARIOS = {
    "database_down": database_down,
    "redis_down": redis_down,
    "worker_killed": worker_killed,
    "slow_twilio": slow_twilio,
}


def run() -> list[tuple[str, str, str]]:
    """The bench suite: outages of minutes."""
    results = {
        "database_down": database_down(down_seconds=120, rate=10),
        "redis_down": redis_down(down_seconds=60),
        "worker_killed (sent)": worker_killed("hang-after"),
        "worker_killed (not sent)": worker_killed("hang-before"),
        "slow_twilio": slow_twilio(),
    }
    db = results["database_down"]
    rd = results["redis_down"]
    return [
        (
            f"PostgreSQL stopped {db['down_seconds']:.0f} s, "
            f"{db['rate_per_second']:.0f} inbound SMS/s",
            f"{db['messages']} messages ({db['during_outage']} during the outage): "
            f"{db['answered_exactly_once']} answered once "
            f"({db['answered_in_webhook_during_outage']} of the outage's in the webhook, "
            f"{db['answered_by_sms_after']} by SMS after), {db['lost']} lost, "
            f"{db['answered_twice']} twice; HTTP {db['http_statuses']}",
            "0 lost, 0 twice, no 5xx",
        ),
        (
            "  webhook p99 with the database down / up",
            f"{db['p99_ms_database_down']} / {db['p99_ms_database_up']} ms",
            "—",
        ),
        (
            f"Redis stopped {rd['down_seconds']:.0f} s",
            f"{rd['answered_in_webhook']}/{rd['webhook_messages_while_down']} replies in the "
            f"webhook (p99 {rd['p99_ms_redis_down']} ms); broadcast reached "
            f"{rd['broadcast_received_once']}/{rd['subscribers']} once after, "
            f"{rd['broadcast_received_twice']} twice",
            "all replies; all once",
        ),
        *(
            (
                f"worker SIGKILLed mid-send ({r['killed_during']})",
                f"{r['received_once']}/{r['subscribers']} once, {r['received_twice']} twice; "
                f"all settled {r['seconds_to_recover']} s after the kill",
                "exactly once",
            )
            for r in (results["worker_killed (sent)"], results["worker_killed (not sent)"])
        ),
        (
            "Twilio slow (1 s per send, a timeout, 429/500)",
            f"{results['slow_twilio']['received_once']}/{results['slow_twilio']['subscribers']}"
            f" once, {results['slow_twilio']['received_twice']} twice; webhook p99 meanwhile "
            f"{results['slow_twilio']['webhook_p99_ms_meanwhile']} ms",
            "exactly once; replies unaffected",
        ),
        ("raw results", json.dumps(results), "—"),
    ]


if __name__ == "__main__":
    name = sys.argv[1]
    print(json.dumps(SCENARIOS[name](**json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}"))))
