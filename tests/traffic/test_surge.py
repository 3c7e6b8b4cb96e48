"""A short visitor surge against a real threaded HTTP server.

New visitors arrive in a burst, most of them from a country outside the
delivery area, while a few regular customers place orders through the
whole checkout. The customers must see no server error and every order
they were shown as confirmed must be paid in the database, once, with the
stock taken exactly; the new visitors must get the "wrong shop?"
interstitial or the waiting room, never a server error.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from panier.inventory.models import Stock
from panier.orders.models import Order, OrderStatus
from panier.traffic.models import CountryRule, HubGeoPolicy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FOREIGN = "203.0.113."  # US in the test GeoIP database
LOCAL = "192.0.2."  # France
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN = re.compile(r'name="checkout_token" value="([^"]+)"')
NUMBER = re.compile(r'data-order-number="([A-Z0-9]+-[A-Z0-9]+)"')
CUSTOMERS, ORDERS_EACH = 2, 2
SURGE_WORKERS, SURGE_VISITS = 6, 120


def place_order(base: str, shop, ip: str, statuses: Counter, lock: threading.Lock) -> str:
    """Run a guest checkout over HTTP with one session; return the confirmed order number."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = ip
    hub = shop.hub.slug

    def call(method: str, path: str, data: dict | None = None) -> requests.Response:
        response = session.request(method, base + path, data=data, timeout=30)
        with lock:
            statuses.update(r.status_code // 100 * 100 for r in [*response.history, response])
        return response

    for index in (0, 1):
        call("POST", f"/{hub}/basket/add/", {"variant": shop.variant(index).pk, "quantity": 1})
    start = call("GET", f"/{hub}/checkout/")
    details = {
        "csrfmiddlewaretoken": CSRF.search(start.text).group(1), "fulfilment": "delivery",
        "address_line1": "5 rue Rossini", "postal_code": "06000", "city": "Nice",
        "slot": str(shop.delivery_slot.pk), "email": "regular@example.org", "first_name": "Alice",
        "last_name": "Durand", "phone": "06 12 34 56 78",
    }
    review = call("POST", f"/{hub}/checkout/", details)
    pay_page = call("POST", f"/{hub}/checkout/review/", {
        "csrfmiddlewaretoken": CSRF.search(review.text).group(1),
        "checkout_token": TOKEN.search(review.text).group(1), "accepted_terms": "on",
    })
    assert "/pay/sandbox/" in pay_page.url, pay_page.text[-1500:]
    done = call("POST", "/" + pay_page.url.split("/", 3)[3], {
        "csrfmiddlewaretoken": CSRF.search(pay_page.text).group(1), "card_number": "4242424242424242",
        "action": "pay",
    })
    session.close()
    assert done.status_code == 200
    return NUMBER.search(done.text).group(1)


def new_visitor(base: str, hub: str, n: int) -> tuple[int, str, float]:
    """One visit of a brand-new visitor (no cookies): status, page kind, seconds."""
    ip = (FOREIGN if n % 4 else LOCAL) + str(1 + n % 250)
    path = f"/{hub}/" if n % 2 else f"/{hub}/products/"
    started = time.perf_counter()
    response = requests.get(base + path, headers={"X-Forwarded-For": ip}, timeout=30, allow_redirects=False)
    elapsed = time.perf_counter() - started
    if "file d'attente" in response.text:
        kind = "waiting"
    elif "https://example.com/us" in response.text:
        kind = "interstitial"
    else:
        kind = "shop"
    return response.status_code, kind, elapsed


@pytest.fixture
def served(shop, test_mmdb, tmp_path):
    """`panier serve` (granian, one worker of 8 threads) on a free loopback port, on the test database.

    The geo policy and the shop must be committed before it starts. The
    protections run with low thresholds, so that a burst of a hundred
    visits opens the waiting room.
    """
    db = connection.settings_dict
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        DEBUG="0",
        SECRET_KEY="surge-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        PANIER_DATA_DIR=str(tmp_path / "data"),
        REDIS_URL="",
        EMAIL_HOST="",
        PANIER_PAGE_CACHE="0",
        PANIER_INVOICE_PDF_ON_PAYMENT="0",
        PANIER_GEOIP_PATH=str(test_mmdb),
        PANIER_TRUSTED_PROXIES="1",
        PANIER_ADMISSION_ARRIVALS_PER_S="5",
        PANIER_ADMISSION_RATE_PER_S="1",
        PYTHONPATH=os.pathsep.join([str(p) for p in sys.path if p]),
    )
    subprocess.run([sys.executable, "-m", "panier", "collectstatic", "--noinput", "-v0"], env=env, check=True)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "panier", "serve", "--port", str(port), "--workers", "1", "--threads", "8",
         "--no-collectstatic"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "panier serve did not become ready"
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        # Workers may leave their sessions for a moment: end them, so that
        # the test database can be dropped.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def shop_with_geo_policy(shop):
    shop.hub.min_order_cents = 0
    shop.hub.save(update_fields=["min_order_cents"])
    policy = HubGeoPolicy.objects.create(
        hub=shop.hub, default_action="allow", delivery_area="Nice", other_site_label="Panier USA",
        other_site_url="https://example.com/us",
    )
    CountryRule.objects.create(policy=policy, country="US", action="interstitial")
    return shop


def test_surge_of_foreign_visitors_leaves_customers_and_orders_intact(shop_with_geo_policy, served):
    """A burst of new visitors (3 in 4 from abroad) while regular customers order: no 5xx, no lost order."""
    shop = shop_with_geo_policy
    stock_before = {i: Stock.objects.get(variant=shop.variant(i)).remaining for i in (0, 1)}
    base = served
    statuses: Counter = Counter()
    lock = threading.Lock()

    with ThreadPoolExecutor(max_workers=SURGE_WORKERS + CUSTOMERS) as pool:
        visits = [pool.submit(new_visitor, base, shop.hub.slug, n) for n in range(SURGE_VISITS)]
        orders = [
            pool.submit(place_order, base, shop, LOCAL + str(200 + c), statuses, lock)
            for c in range(CUSTOMERS)
            for _ in range(ORDERS_EACH)
        ]
        confirmed = [future.result() for future in orders]
        surge = [future.result() for future in visits]

    # Regular customers: never a server error, every order confirmed.
    assert not any(status >= 500 for status in statuses), statuses
    assert len(confirmed) == CUSTOMERS * ORDERS_EACH
    # New visitors: answered, with the interstitial for foreigners and the
    # waiting room for the French visitors beyond the arrival threshold.
    kinds = Counter(kind for _, kind, _ in surge)
    assert all(status == 200 for status, _, _ in surge), Counter(s for s, _, _ in surge)
    assert kinds["interstitial"] == sum(1 for n in range(SURGE_VISITS) if n % 4)
    assert kinds["waiting"] >= 1, kinds
    # The database: each confirmed order paid once, none lost, stock exact.
    paid = list(Order.objects.filter(status=OrderStatus.PAID).values_list("number", flat=True))
    assert sorted(paid) == sorted(confirmed)
    assert len(set(confirmed)) == len(confirmed)
    assert Order.objects.exclude(status=OrderStatus.PAID).count() == 0
    for i in (0, 1):
        assert Stock.objects.get(variant=shop.variant(i)).remaining == stock_before[i] - len(confirmed)
