"""A load process, separate from the server: sends a fixed number of GET requests (or
signed inbound SMS) over keep-alive connections from a few threads, as fast as they are
answered or at a steady rate, and prints latency figures as JSON.

    python -m bench.load http://127.0.0.1:8099 /api/v1/prices/latest/?commodity=potatoes ...
    python -m bench.load http://127.0.0.1:8099 /sms/twilio/inbound/ --twilio-token T --rate 50

Loopback only; bounded in count, so it always stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit

#: Requests sent before the clock starts.
WARMUP = 50

SMS_BODIES = [
    "POTATO OSH",
    "картошка бишкек",
    "onions naryn",
    "жүгөрү жалал-абад",
    "potatos talas",
    "HELP",
    "milk karakol",
    "pommes de terre osh",
    "OSH",
    "wheat",
]


def signed_sms(
    base: str, token: str, n: int, path: str = "/sms/twilio/inbound/"
) -> tuple[str, dict[str, str], bytes]:
    """The n-th inbound SMS as Twilio would POST it to ``path``, signed with ``token``.
    Each has its own MessageSid (a repeated one would be answered from storage) and one
    of 5,000 senders, so no number reaches its hourly limit."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    params = {
        "MessageSid": f"SMbench{int(time.time())}x{n}",
        "From": f"+99655{5000000 + n % 5000:07d}",
        "To": "+15005550006",
        "Body": SMS_BODIES[n % len(SMS_BODIES)],
    }
    signature = RequestValidator(token).compute_signature(f"{base}{path}", params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }
    return path, headers, urlencode(params).encode()


#: Answers farmers send through the USSD menus: the first screen, a crop list, a page
#: of it, a market list, a price (Africa's Talking's text, answers joined by *).
USSD_PATHS = ["", "1", "1*0", "1*3", "1*3*2", "2*5", "1*7*1"]


def ussd_request(path: str, key: str, n: int) -> tuple[str, dict[str, str], bytes]:
    """The n-th USSD callback as Africa's Talking would POST it, from one of 5,000
    numbers."""
    from urllib.parse import urlencode

    form = {
        "sessionId": f"ATUid_bench_{n}",
        "serviceCode": "*384*1#",
        "phoneNumber": f"+99670{5000000 + n % 5000:07d}",
        "networkCode": "43701",
        "text": USSD_PATHS[n % len(USSD_PATHS)],
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return f"{path}?key={key}", headers, urlencode(form).encode()


#: Where callers are in the voice menus and the key they press: the first prompt, the
#: language, the main menu, a crop, a market (a caller who chose a language before hears
#: no language menu, so the same keys go one menu deeper: a price).
VOICE_STEPS = [("", ""), ("", "1"), ("1", "1"), ("11", "1"), ("111", "1"), ("11", "0")]


def voice_request(
    base: str, token: str, n: int, path: str = "/voice/twilio/"
) -> tuple[str, dict[str, str], bytes]:
    """The n-th voice webhook as Twilio would POST it: a call of its own (a CallSid seen
    before is answered from storage) from one of 5,000 numbers, at one of VOICE_STEPS."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    keys, digit = VOICE_STEPS[n % len(VOICE_STEPS)]
    url = f"{path}?{urlencode({'w': '', 'a': keys, 'n': '0'})}" if keys or digit else path
    params = {
        "CallSid": f"CAbench{int(time.time())}x{n}",
        "From": f"+99677{5000000 + n % 5000:07d}",
        "To": "+996312900900",
        "Direction": "inbound",
        "CallStatus": "in-progress",
    }
    if digit:
        params["Digits"] = digit
    signature = RequestValidator(token).compute_signature(f"{base}{url}", params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }
    return url, headers, urlencode(params).encode()


def collect_request(
    path: str, credentials: str, n: int, markets: list[str], items: list[list[str]], days: int
) -> tuple[str, dict[str, str], bytes]:
    """The n-th form as ODK Collect POSTs it (multipart, xml_submission_file): one price
    of one crop, at a market and on a day of its own (an agent prices a crop at a market
    once a day), the day within ``days`` of today (Collect takes none older), the markets
    taken in turn once those days are used. Empty ``credentials``: no Authorization
    header, the path carries a Collect key."""
    import base64
    import datetime

    commodity, unit, price = items[n % len(items)]
    series = n // len(items)
    market = markets[series // days % len(markets)]
    day = datetime.date.today() - datetime.timedelta(days=1 + series % days)
    xml = (
        f'<?xml version="1.0"?><data id="agriprices_prices"><market>{market}</market>'
        f"<observed_on>{day.isoformat()}</observed_on><price_type>retail</price_type>"
        f"<prices><commodity>{commodity}</commodity><unit>{unit}</unit><price>{price}</price>"
        f"</prices><meta><instanceID>uuid:bench-{time.time_ns()}-{n}</instanceID></meta></data>"
    )
    boundary = f"bench{n}"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="xml_submission_file"; '
        f'filename="submission.xml"\r\nContent-Type: text/xml\r\n\r\n{xml}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "X-OpenRosa-Version": "1.0",
        "X-Forwarded-Proto": "https",  # as the TLS-terminating proxy in front would
    }
    if credentials:  # else a Collect key in the path signs the form in
        headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    return path, headers, body


def run(
    base: str,
    paths: list[str],
    requests: int,
    concurrency: int,
    warmup: int,
    twilio_token: str = "",
    rate: float = 0.0,
    ussd_key: str = "",
    collect: str = "",
    voice_token: str = "",
) -> dict:
    """``rate`` > 0: request n leaves at n / rate seconds after the start (a steady
    stream, as SMS arrive), else as soon as a thread is free."""
    host = urlsplit(base)
    if host.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load process only targets this machine")
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    answered = [0]  # responses that carried a reply (TwiML with a <Message>)
    lock = threading.Lock()
    counter = iter(range(requests + warmup))
    # Signed before the clock starts: the load process shares the CPUs with the server,
    # and its own HMACs are not the server's work.
    if twilio_token:
        signed = [signed_sms(base, twilio_token, n, paths[0]) for n in range(requests + warmup)]
    elif ussd_key:
        signed = [ussd_request(paths[0], ussd_key, n) for n in range(requests + warmup)]
    elif voice_token:
        signed = [voice_request(base, voice_token, n, paths[0]) for n in range(requests + warmup)]
    elif collect:
        credentials, markets, items, days = json.loads(collect)
        signed = [
            collect_request(paths[0], credentials, n, markets, items, days)
            for n in range(requests + warmup)
        ]
    else:
        signed = []

    def worker() -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        for n in counter:
            if rate:
                time.sleep(max(0.0, started + n / rate - time.perf_counter()))
            if signed:
                path, headers, body = signed[n]
                start = time.perf_counter()
                conn.request("POST", path, body=body, headers=headers)
            else:
                path = paths[n % len(paths)]
                start = time.perf_counter()
                # As behind the TLS-terminating proxy (a server with HTTPS=true needs it).
                headers = {"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"}
                conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            content = response.read()
            elapsed = (time.perf_counter() - start) * 1000
            if n >= warmup:
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    answered[0] += (
                        b"<Message>" in content
                        or b"submit_success" in content
                        or b"<Play>" in content
                    )
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return percentile(latencies, q)

    return {
        "requests": len(latencies),
        "statuses": statuses,
        "answered": answered[0],
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1], 2),
    }


def percentile(ordered: list[float], q: float) -> float:
    """The ``q`` quantile of ``ordered`` (sorted), as every bench figure reads it."""
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=WARMUP)
    parser.add_argument("--twilio-token", default="", help="POST signed inbound SMS instead")
    parser.add_argument("--rate", type=float, default=0.0, help="requests per second, steady")
    parser.add_argument("--ussd-key", default="", help="POST USSD callbacks with this key")
    parser.add_argument(
        "--collect",
        default="",
        help='POST ODK Collect forms: JSON ["user:pw", [market, ...], items, days]',
    )
    parser.add_argument("--voice-token", default="", help="POST signed voice webhooks instead")
    args = parser.parse_args()
    result = run(
        args.base,
        args.paths,
        args.requests,
        args.concurrency,
        args.warmup,
        args.twilio_token,
        args.rate,
        args.ussd_key,
        args.collect,
        args.voice_token,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
