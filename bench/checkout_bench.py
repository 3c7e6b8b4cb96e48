"""Guest checkout throughput over HTTP, with many buyers of the same products.

Starts, on loopback only: a PostgreSQL database loaded with the demo data
(`panier_checkout_bench`, dropped and created again), then `panier serve`
(granian, one worker per core plus one, the connection pool on). Client threads then place
guest orders through the whole shop flow, each with a fresh session:

    basket add → checkout details → recap → place order
    → sandbox payment page → pay → payment return → confirmation

Basket adds are posted as the product page's script posts them (asking
for JSON, the page not left); ``--no-script`` adds as a browser without
JavaScript does (the post, then the basket page it leads to).

Every buyer takes one to three units of the same three popular variants,
in a random order, so the stock rows of those variants are contended by
every order. At the end the script prints orders/s, per-step and
per-order latencies, 5xx responses and deadlocks, and checks in the
database that every confirmed order is paid, no order is lost or
duplicated, and the stock of each popular variant is exact. It exits
with status 1 when a check fails. Nothing here runs in the test suite.

    python bench/checkout_bench.py [--duration 30] [--clients 16] [--port 8911] [--skip-setup] [--no-script]

The database is ``BENCH_DATABASE_URL`` and Redis ``BENCH_REDIS_URL``
(defaults: ``panier_checkout_bench`` and Redis database 5).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from panier.web.management.commands.serve import default_workers  # noqa: E402

PY = sys.executable
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/panier_checkout_bench")
HUB, POSTAL_CODE = "nice", "06000"
POPULAR = 3
INITIAL_STOCK = 1_000_000

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SLOT = re.compile(r'name="slot" id="slot-(\d+)"')
TOKEN = re.compile(r'name="checkout_token" value="([^"]+)"')
# The thank-you page (shown by the payment return) marks its order number.
ORDER_NUMBER = re.compile(r'data-order-number="([A-Z0-9]+-[A-Z0-9]+)"')


def env(threads: int) -> dict[str, str]:
    e = dict(os.environ)
    e.update(
        DATABASE_URL=DB_URL,
        DATABASE_POOL_MIN=str(threads // 2),
        DATABASE_POOL_MAX=str(threads),
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        EMAIL_HOST="",
        PANIER_DATA_DIR=str(ROOT / "var" / "checkout-bench"),
        # Every buyer comes from 127.0.0.1: the per-address limits would
        # measure themselves, not the checkout.
        PANIER_RATE_LIMITS_ENABLED="0",
        PANIER_ADMISSION_ARRIVALS_PER_S="1000000",
        PANIER_INVOICE_PDF_ON_PAYMENT=os.environ.get("PANIER_INVOICE_PDF_ON_PAYMENT", "0"),
        # On: the confirmation e-mail (and PDF) of each paid order is a
        # task that the bench's `panier db_worker` runs on the same cores.
        PANIER_ORDER_FOLLOWUP_DEFERRED=os.environ.get("PANIER_ORDER_FOLLOWUP_DEFERRED", "1"),
        PYTHONPATH=str(ROOT / "src"),
    )
    return e


def sql(query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def setup(threads: int) -> None:
    server, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    for args in (("migrate", "--noinput", "-v0"), ("demo",), ("collectstatic", "--noinput", "-v0")):
        print(f"  panier {' '.join(args)}", flush=True)
        subprocess.run([PY, "-m", "panier", *args], env=env(threads), check=True, capture_output=True)


def vacuum() -> None:
    """Vacuum and analyze the bench database, as autovacuum would.

    Every order rewrites the same stock and slot rows: without vacuum their
    dead versions pile up, and without fresh statistics PostgreSQL plans
    for the empty tables it saw at set-up (an index scan of the hub's
    orders instead of the checkout token's unique index, say). Where the
    server runs with autovacuum off, successive runs would measure that
    decay rather than the shop.
    """
    autovacuum = sql("SHOW autovacuum")[0][0]
    if autovacuum != "on":
        print("  note: autovacuum is off on this PostgreSQL server; the bench vacuums and analyzes before measuring")
    sql("VACUUM (ANALYZE)")


def popular_variants() -> list[int]:
    """Pick the first variants on sale at the hub, give them ample stock and slots room."""
    rows = sql(
        """
        SELECT v.id FROM catalog_variant v
        JOIN catalog_product p ON p.id = v.product_id
        JOIN hubs_hub h ON h.id = p.hub_id
        JOIN inventory_stock s ON s.variant_id = v.id
        WHERE h.slug = %s AND p.is_active AND v.is_active AND NOT p.sold_by_weight AND s.remaining > 0
        ORDER BY v.id LIMIT %s
        """,
        (HUB, POPULAR),
    )
    ids = [row[0] for row in rows]
    if len(ids) < POPULAR:
        raise SystemExit("the demo hub has too few variants in stock")
    sql("UPDATE inventory_stock SET remaining = %s WHERE variant_id = ANY(%s)", (INITIAL_STOCK, ids))
    sql("UPDATE delivery_slot SET capacity = 1000000 WHERE hub_id = (SELECT id FROM hubs_hub WHERE slug = %s)",
        (HUB,))
    # Small baskets of one unit must be accepted too.
    sql("UPDATE hubs_hub SET min_order_cents = 0 WHERE slug = %s", (HUB,))
    return ids


class Response:
    def __init__(self, status_code: int, text: str, url: str) -> None:
        self.status_code, self.text, self.url = status_code, text, url


class Browser:
    """A buyer's browser on loopback: one kept-alive connection, its cookies, redirects followed.

    Plain http.client rather than requests: the load generator shares the
    machine's two cores with the server, and requests cost about three
    times as much CPU per call.
    """

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.base = base
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def close(self) -> None:
        self.connection.close()

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> http.client.HTTPResponse:
        headers = dict(headers, Host=f"{self.host}:{self.port}")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                return self.connection.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed a kept-alive connection: open another once.
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None) -> Response:
        body = urlencode(data).encode() if data is not None else None
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for _ in range(10):
            response = self._send(method, path, body, headers)
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or ():
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if "max-age=0" in header.lower() or not value:
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            if response.status in (301, 302, 303) and response.headers.get("Location"):
                path = urlsplit(urljoin(self.base + path, response.headers["Location"]))
                path = path.path + (f"?{path.query}" if path.query else "")
                method, body, headers = "GET", None, {}
                continue
            return Response(response.status, text, self.base + path)
        raise LookupError(f"too many redirects at {path}")

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict, headers: dict | None = None) -> Response:
        return self.request("POST", path, data, headers)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.steps: dict[str, list[float]] = defaultdict(list)
        self.flows: list[float] = []
        self.statuses: Counter = Counter()
        self.orders: list[str] = []
        self.failures: Counter = Counter()

    def step(self, name: str, seconds: float, status: int) -> None:
        with self.lock:
            self.steps[name].append(seconds)
            self.statuses[f"{status // 100}xx"] += 1


def buyer(base: str, variants: list[int], stats: Stats, stop_at: float, seed: int, *, script: bool = True) -> None:
    """Place orders until ``stop_at``, each with a fresh session.

    With ``script`` the buyer adds to the basket as the product page's
    script does (the form posted asking for JSON, the page not left);
    without, as a browser without JavaScript (the post, then the basket
    page it is sent on to).
    """
    rnd = random.Random(seed)  # noqa: S311 - load shape, not security
    while time.monotonic() < stop_at:
        browser = Browser(base)
        origin = {"Origin": base}
        add_headers = {**origin, "Accept": "application/json"} if script else origin

        def call(
            name: str, method: str, path: str, data: dict | None = None, browser=browser, origin=origin
        ) -> Response:
            started = time.perf_counter()
            if method == "GET":
                response = browser.get(path)
            else:
                response = browser.post(path, data, headers=origin)
            # Redirects followed inside one call count as one step.
            stats.step(name, time.perf_counter() - started, response.status_code)
            return response

        flow_started = time.perf_counter()
        try:
            for variant in rnd.sample(variants, rnd.randint(1, len(variants))):
                started = time.perf_counter()
                added = browser.post(f"/{HUB}/basket/add/", {"variant": variant, "quantity": rnd.randint(1, 3)},
                                     headers=add_headers)
                stats.step("basket add", time.perf_counter() - started, added.status_code)
                if added.status_code != 200 or (script and '"count"' not in added.text):
                    raise LookupError(f"basket add refused ({added.status_code})")
            start = call("checkout page", "GET", f"/{HUB}/checkout/")
            slots, token = SLOT.findall(start.text.split('class="pickup-only"')[0]), CSRF.search(start.text)
            if not slots or not token:
                raise LookupError(f"checkout page without slot or form ({start.status_code})")
            details = {
                "csrfmiddlewaretoken": token.group(1), "fulfilment": "delivery", "address_line1": "5 rue Rossini",
                "postal_code": POSTAL_CODE, "city": "Nice", "slot": rnd.choice(slots),
                "email": f"buyer{rnd.randint(1, 10**9)}@example.org", "first_name": "Camille", "last_name": "Roux",
                "phone": "0612345678",
            }
            review = call("details → recap", "POST", f"/{HUB}/checkout/", details)
            token, checkout_token = CSRF.search(review.text), TOKEN.search(review.text)
            if not token or not checkout_token:
                raise LookupError(f"recap without order form ({review.status_code})")
            pay_page = call(
                "place order → payment page", "POST", f"/{HUB}/checkout/review/",
                {"csrfmiddlewaretoken": token.group(1), "checkout_token": checkout_token.group(1),
                 "accepted_terms": "on"},
            )
            token = CSRF.search(pay_page.text)
            if not token or "/pay/sandbox/" not in pay_page.url:
                raise LookupError(f"no payment page ({pay_page.status_code})")
            path = "/" + pay_page.url.split("/", 3)[3]
            done = call("pay → return → confirmation", "POST", path,
                        {"csrfmiddlewaretoken": token.group(1), "card_number": "4242424242424242", "action": "pay"})
            number = ORDER_NUMBER.search(done.text)
            if done.status_code != 200 or not number:
                raise LookupError(f"no confirmation ({done.status_code} {done.url})")
        except (LookupError, OSError, http.client.HTTPException) as exc:
            with stats.lock:
                stats.failures[str(exc)[:80]] += 1
            continue
        finally:
            browser.close()
        with stats.lock:
            stats.flows.append(time.perf_counter() - flow_started)
            stats.orders.append(number.group(1))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def deadlocks() -> int:
    return sql("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")[0][0]


FOLLOWUP_TASK = "panier.checkout.followup.order_paid_followup_task"


def followups_pending(first_id: int) -> tuple[int, int]:
    """Return (paid orders of this run, follow-up tasks of theirs not yet run)."""
    paid = sql("SELECT count(*) FROM orders_order WHERE status = 'paid' AND id >= %s", (first_id,))[0][0]
    done = sql(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path = %s AND status = 'SUCCESSFUL' "
        "AND (args_kwargs->'kwargs'->>'order_id')::bigint >= %s",
        (FOLLOWUP_TASK, first_id),
    )[0][0]
    return paid, paid - done


def check_database(variants: list[int], confirmed: list[str], *, warm_orders: set[str], first_id: int) -> list[str]:
    """Return the problems found: unpaid or missing orders, duplicates, wrong stock.

    The orders of this run are those from ``first_id`` on; the warm-up
    orders are among them (paid, and holding stock) but were not timed.
    """
    problems = []
    paid = {n for (n,) in sql("SELECT number FROM orders_order WHERE status = 'paid' AND id >= %s", (first_id,))}
    by_status = dict(sql("SELECT status, count(*) FROM orders_order WHERE id >= %s GROUP BY status", (first_id,)))
    if len(set(confirmed)) != len(confirmed):
        problems.append(f"{len(confirmed) - len(set(confirmed))} order numbers confirmed twice")
    missing = set(confirmed) - paid
    if missing:
        problems.append(f"{len(missing)} confirmed orders are not paid in the database")
    unconfirmed = paid - set(confirmed) - warm_orders
    if unconfirmed:
        problems.append(f"{len(unconfirmed)} paid orders were never confirmed to their buyer")
    # Units still reserved: every order that holds its goods (not failed or cancelled).
    held = dict(sql(
        """
        SELECT l.variant_id, coalesce(sum(l.quantity), 0) FROM orders_orderline l
        JOIN orders_order o ON o.id = l.order_id
        WHERE l.variant_id = ANY(%s) AND o.id >= %s AND o.status NOT IN ('payment_failed', 'cancelled')
        GROUP BY l.variant_id
        """,
        (variants, first_id),
    ))
    for variant, remaining in sql("SELECT variant_id, remaining FROM inventory_stock WHERE variant_id = ANY(%s)",
                                  (variants,)):
        if remaining + held.get(variant, 0) != INITIAL_STOCK:
            problems.append(f"variant {variant}: {remaining} left + {held.get(variant, 0)} sold ≠ {INITIAL_STOCK}")
    print(f"orders in the database by status: {by_status}")
    print(f"units sold of the popular variants: {dict(sorted(held.items()))}")
    return problems


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> list[int]:
    """The process and its descendants."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cpu_snapshot(server_pid: int, worker_pid: int | None) -> dict[str, float]:
    """CPU seconds used so far by the server's processes, the task worker, PostgreSQL and this load generator."""
    return {
        "server": sum(_cpu_seconds(pid) for pid in _tree(server_pid)),
        "task worker": sum(_cpu_seconds(pid) for pid in _tree(worker_pid)) if worker_pid else 0.0,
        "PostgreSQL": sum(_cpu_seconds(pid) for pid in _postgres_pids()),
        "load generator": time.process_time(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--clients", type=int, default=16, help="buyers placing orders at once")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="panier serve's workers (its default: one per core, plus one)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8911)
    parser.add_argument("--skip-setup", action="store_true", help="reuse the bench database as it is")
    parser.add_argument("--no-script", action="store_true",
                        help="add to the basket as a browser without JavaScript (post, then the basket page)")
    args = parser.parse_args()
    if not args.skip_setup:
        print("setting up the bench database (migrate + demo data)…", flush=True)
        setup(args.threads)
    variants = popular_variants()
    vacuum()
    # Orders of a previous run (--skip-setup) stay out of the checks.
    first_id = sql("SELECT coalesce(max(id), 0) + 1 FROM orders_order")[0][0]
    deferred = env(args.threads)["PANIER_ORDER_FOLLOWUP_DEFERRED"] in ("1", "true", "True")
    worker = None
    if deferred:
        worker = subprocess.Popen(  # noqa: S603
            [PY, "-m", "panier", "db_worker", "--interval", "0.2", "--no-reload"],
            env=env(args.threads), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
    server = subprocess.Popen(  # noqa: S603
        [PY, "-m", "panier", "serve", "--port", str(args.port), "--workers", str(args.workers),
         "--threads", str(args.threads), "--no-collectstatic"],
        env=env(args.threads), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/readyz", timeout=2).read()  # noqa: S310 - loopback only
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("panier serve did not become ready") from None
                time.sleep(0.3)
        # Warm-up: a few orders load the code and fill the pools.
        buyer(base, variants, Stats(), time.monotonic() + 3, seed=0, script=not args.no_script)
        warm_orders = {n for (n,) in sql("SELECT number FROM orders_order WHERE id >= %s", (first_id,))}
        deadlocks_before = deadlocks()
        stats = Stats()
        print(f"{args.clients} buyers for {args.duration} s on {len(variants)} popular variants {variants} "
              f"(panier serve: {args.workers} workers × {args.threads} threads, pool ≤ {args.threads}; sessions: "
              f"{os.environ.get('PANIER_SESSION_STORE', 'cookie')}; task worker niceness "
              f"{os.environ.get('PANIER_TASK_WORKER_NICE', '10') if deferred else '-'}; basket adds "
              f"{'as a browser without JavaScript' if args.no_script else 'from the page script'})", flush=True)
        cpu_before = cpu_snapshot(server.pid, worker.pid if worker else None)
        started = time.monotonic()
        stop_at = started + args.duration
        threads = [
            threading.Thread(target=buyer, args=(base, variants, stats, stop_at, seed),
                             kwargs={"script": not args.no_script}, daemon=True)
            for seed in range(1, args.clients + 1)
        ]
        for thread in threads:
            thread.start()
        # The clock stops when the last buyer has finished its last order,
        # not at the next progress line (which would add up to 5 idle
        # seconds to the elapsed time and lower every per-second figure).
        next_report = started + 5
        while any(t.is_alive() for t in threads):
            for thread in threads:
                thread.join(timeout=max(0.0, next_report - time.monotonic()))
                if time.monotonic() >= next_report:
                    break
            else:
                break
            print(f"  {int(time.monotonic() - started)} s: {len(stats.orders)} orders confirmed", flush=True)
            next_report += 5
        elapsed = time.monotonic() - started
        cpu_after = cpu_snapshot(server.pid, worker.pid if worker else None)
        new_deadlocks = deadlocks() - deadlocks_before
        backlog_at_end = followups_pending(first_id)[1] if deferred else 0
        # The worker catches up with the e-mails of the last orders.
        drain_deadline = time.monotonic() + 120
        while deferred and followups_pending(first_id)[1] and time.monotonic() < drain_deadline:
            time.sleep(1)
        drained_after = time.monotonic() - started - elapsed
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=20)

    print()
    print(f"{'step':32s} {'count':>7s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for name, values in stats.steps.items():
        print(f"{name:32s} {len(values):7d} {pct(values, 0.5):8.0f} {pct(values, 0.99):8.0f}")
    all_steps = [v for values in stats.steps.values() for v in values]
    print(f"{'every request':32s} {len(all_steps):7d} {pct(all_steps, 0.5):8.0f} {pct(all_steps, 0.99):8.0f}")
    print(f"{'whole order (5–7 requests)':32s} {len(stats.flows):7d} {pct(stats.flows, 0.5):8.0f} "
          f"{pct(stats.flows, 0.99):8.0f}")
    print()
    print(f"orders confirmed: {len(stats.orders)} in {elapsed:.1f} s = {len(stats.orders) / elapsed:.1f} orders/s "
          f"(target ≥ 40); p99 per request {pct(all_steps, 0.99):.0f} ms (target < 500)")
    orders = max(1, len(stats.orders))
    used = {name: cpu_after[name] - cpu_before[name] for name in cpu_before}
    print(f"CPU while the buyers ran ({elapsed:.1f} s on {os.cpu_count()} cores), per confirmed order: "
          + ", ".join(f"{name} {seconds * 1000 / orders:.0f} ms" for name, seconds in used.items())
          + f"; total {sum(used.values()) / elapsed * 100:.0f} % of one core")
    per_order = sum(used.values()) / orders
    if per_order > 0:
        # What the cores could give at this cost if nothing else waited.
        print(f"at {per_order * 1000:.0f} ms of CPU per order, {os.cpu_count()} cores fully busy would place "
              f"{(os.cpu_count() or 1) / per_order:.1f} orders/s")
    print(f"responses: {dict(sorted(stats.statuses.items()))}; 5xx: {stats.statuses['5xx']}")
    print(f"flows that did not end in a confirmation: {sum(stats.failures.values())} {dict(stats.failures)}")
    print(f"deadlocks: {new_deadlocks}")
    problems = check_database(variants, stats.orders, warm_orders=warm_orders, first_id=first_id)
    if deferred:
        paid, missing = followups_pending(first_id)
        print(f"follow-up tasks (e-mail{' + PDF' if env(1)['PANIER_INVOICE_PDF_ON_PAYMENT'] == '1' else ''}): "
              f"{backlog_at_end} waiting when the buyers stopped, all run {drained_after:.1f} s later; "
              f"{paid - missing} of {paid} paid orders done")
        if missing:
            problems.append(f"{missing} paid orders without their follow-up task run")
    if new_deadlocks:
        problems.append(f"{new_deadlocks} deadlocks")
    if stats.statuses["5xx"]:
        problems.append(f"{stats.statuses['5xx']} responses 5xx")
    print("database checks: " + ("all good" if not problems else "; ".join(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
