"""CPU of one guest order in the Django process, without HTTP or threads.

Sends the requests of ``checkout_bench.py``'s flow (two basket adds from
the page script, checkout page, details, recap, place order, sandbox
payment page, pay, return to the thank-you page) straight to the WSGI
application (the traffic gate included), with the cookies a browser
would keep, against the bench database that ``checkout_bench.py``
builds. Prints the CPU time of this process per order and per request.
The connection pool, Redis and the deferred follow-up are on, as in the
bench's server.

    python bench/checkout_flow_cpu.py [--orders 60] 2>/dev/null   # the log lines go to standard error

For instruction counts, which move far less than times on a shared
machine, run it under callgrind with no orders and with six, and divide
the difference by six::

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.0 python bench/checkout_flow_cpu.py --orders 0
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.6 python bench/checkout_flow_cpu.py --orders 6
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import checkout_bench

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
# The server's environment in checkout_bench.py (this directory), with a
# pool of two connections: one request at a time here.
os.environ.update(checkout_bench.env(2), DJANGO_SETTINGS_MODULE="panier.config.settings")

from checkout_bench import CSRF, HUB, ORDER_NUMBER, POSTAL_CODE, SLOT, TOKEN  # noqa: E402

from panier.config.wsgi import application  # noqa: E402

ORIGIN = {"Origin": "http://127.0.0.1:8911"}
#: CPU seconds per request kind (method and path, numbers and tokens folded).
per_request: Counter = Counter()


def request(cookies: dict, method: str, path: str, data: dict | None = None, headers: dict | None = None):
    """One browser request, redirects followed; returns (status, text, final path)."""
    for _ in range(10):
        body = urlencode(data).encode() if data is not None else b""
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8911", "HTTP_HOST": "127.0.0.1:8911", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_LENGTH": str(len(body)), "wsgi.errors": sys.stderr,
        }
        if data is not None:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        if cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        answer: dict = {}

        def start_response(status, response_headers, exc_info=None, answer=answer):
            answer["status"], answer["headers"] = int(status.split()[0]), response_headers

        started = time.process_time()
        chunks = application(environ, start_response)
        text = b"".join(chunks).decode()
        getattr(chunks, "close", lambda: None)()
        per_request[f"{method} {re.sub(r'/[^/]*[0-9][^/]*/', '/…/', path)}"] += time.process_time() - started
        location = None
        for name, value in answer["headers"]:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                value_only = rest.split(";", 1)[0]
                if "max-age=0" in value.lower() or not value_only:
                    cookies.pop(key.strip(), None)
                else:
                    cookies[key.strip()] = value_only
            elif name.lower() == "location":
                location = value
        if answer["status"] in (301, 302, 303) and location:
            target = urlsplit(location)
            path = target.path + (f"?{target.query}" if target.query else "")
            method, data, headers = "GET", None, {}
            continue
        return answer["status"], text, path
    raise LookupError(f"too many redirects at {path}")


def order(variants: list[int]) -> None:
    cookies: dict[str, str] = {}
    for variant in variants[:2]:
        status, text, _ = request(cookies, "POST", f"/{HUB}/basket/add/", {"variant": variant, "quantity": 1},
                                  {**ORIGIN, "Accept": "application/json"})
        if status != 200:
            raise SystemExit(f"basket add refused ({status}): {text[:300]}")
    _, page, _ = request(cookies, "GET", f"/{HUB}/checkout/")
    details = {
        "csrfmiddlewaretoken": CSRF.search(page).group(1), "fulfilment": "delivery",
        "address_line1": "5 rue Rossini", "postal_code": POSTAL_CODE, "city": "Nice",
        "slot": SLOT.findall(page.split('class="pickup-only"')[0])[0], "email": "flow@example.org",
        "first_name": "Camille", "last_name": "Roux", "phone": "0612345678",
    }
    _, recap, _ = request(cookies, "POST", f"/{HUB}/checkout/", details, ORIGIN)
    _, pay, path = request(cookies, "POST", f"/{HUB}/checkout/review/", {
        "csrfmiddlewaretoken": CSRF.search(recap).group(1), "checkout_token": TOKEN.search(recap).group(1),
        "accepted_terms": "on",
    }, ORIGIN)
    if "/pay/sandbox/" not in path:
        raise SystemExit(f"no payment page: {path}")
    _, done, _ = request(cookies, "POST", path, {
        "csrfmiddlewaretoken": CSRF.search(pay).group(1), "card_number": "4242424242424242", "action": "pay",
    }, ORIGIN)
    if not ORDER_NUMBER.search(done):
        raise SystemExit("the flow did not end on the thank-you page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=60)
    args = parser.parse_args()
    # The bench's popular variants, stock and slots set as its runs set them.
    variants = checkout_bench.popular_variants()
    for _ in range(3):  # warm-up: imports, templates, pools, kept queries
        order(variants)
    per_request.clear()
    if not args.orders:
        return
    started = time.process_time()
    for _ in range(args.orders):
        order(variants)
    cpu = (time.process_time() - started) / args.orders * 1000
    print(f"{args.orders} orders: {cpu:.2f} ms of CPU per order in this process")
    for name, seconds in per_request.most_common():
        print(f"  {seconds / args.orders * 1000:6.2f} ms  {name}")


if __name__ == "__main__":
    main()
