"""Load scenarios for `panier loadtest` (run by locust in its own process).

mix:   shoppers who browse (~85 %), search (~5 %), fill a basket (~7 %)
       and check out (~3 %), keeping their session like real visitors.
surge: the same regular customers, plus new visitors arriving at 20
       times their rate, most from a country outside the delivery area
       (their address comes in X-Forwarded-For, trusted for one proxy
       hop by the server under test), each visit a brand-new visitor.

Counts of responses per status class and of orders placed are written
to the JSON file named by PANIER_LOADTEST_COUNTS when locust stops.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
from collections import Counter

import gevent
from locust import FastHttpUser, between, events, task

HUBS = {"nice": "06000", "antibes": "06600"}
FOREIGN_NET = "203.0.113."  # outside the delivery area in the test GeoIP file
LOCAL_NET = "192.0.2."  # France in the test GeoIP file
WORDS = ["miel", "fromage", "huile", "pain", "savon", "vin", "tomme", "olive", "confiture", "citron"]

_lock = threading.Lock()
COUNTS: Counter = Counter()
#: Refusals (4xx) by who, request and status, e.g. "customer basket add 409".
REFUSED: Counter = Counter()
ORDERS: list[str] = []

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PRODUCT = re.compile(r'href="(/[-a-z0-9]+/p/[-a-z0-9_]+/)"')
VARIANT = re.compile(r'<option value="(\d+)"(?! disabled)')
TOKEN = re.compile(r'name="checkout_token" value="([^"]+)"')
# The thank-you page (shown by the payment return) marks its order number.
ORDER_NUMBER = re.compile(r'data-order-number="([A-Z0-9]+-[A-Z0-9]+)"')


#: Locust starts each second's new users at the same instant. Real visitors
#: do not arrive in lockstep, so every user first waits a random moment
#: within that second (ARRIVAL_SPREAD_S): arrivals stay at the same rate per
#: second but spread over it instead of landing as one burst.
ARRIVAL_SPREAD_S = 1.0


def _arrive() -> None:
    gevent.sleep(random.uniform(0, ARRIVAL_SPREAD_S))


#: Response times per request name once every user has been started (the
#: steady part of the run, reported beside the whole run's).
STEADY: dict[str, list[float]] = {}
_ramped = threading.Event()


@events.spawning_complete.add_listener
def _spawned(user_count, **kw):
    _ramped.set()


@events.request.add_listener
def _count(request_type, name, response_time, response_length, response=None, exception=None, context=None, **kw):
    status = getattr(response, "status_code", 0) or 0
    who = (context or {}).get("who", "other")
    with _lock:
        COUNTS[f"{who}:{status // 100}xx" if status else f"{who}:error"] += 1
        if 400 <= status < 500:
            REFUSED[f"{who} {name} {status}"] += 1
        if _ramped.is_set():
            STEADY.setdefault(name, []).append(response_time)


@events.quitting.add_listener
def _write_counts(environment, **kw):
    path = os.environ.get("PANIER_LOADTEST_COUNTS")
    if path:
        with open(path, "w") as handle:
            json.dump({"responses": dict(COUNTS), "refused": dict(REFUSED), "orders": ORDERS, "steady": STEADY}, handle)


class Shopper(FastHttpUser):
    """A regular customer from the delivery area, with a session."""

    wait_time = between(1, 3)
    who = "customer"

    def on_start(self):
        _arrive()
        self.ip = LOCAL_NET + str(random.randint(1, 254))
        self.hub = random.choice(list(HUBS))
        self.products: list[str] = []
        self.variants: list[str] = []

    def _get(self, path, name=None, **kw):
        headers = {"X-Forwarded-For": self.ip}
        return self.client.get(path, name=name or path, headers=headers, context={"who": self.who}, **kw)

    def _post(self, path, data, name, **kw):
        headers = {"X-Forwarded-For": self.ip, "Origin": self.host.rstrip("/")}
        return self.client.post(path, data=data, name=name, headers=headers, context={"who": self.who}, **kw)

    def _catalogue(self):
        page = self._get(f"/{self.hub}/products/", name="catalogue list")
        self.products = PRODUCT.findall(page.text or "") or self.products
        self.variants = VARIANT.findall(page.text or "") or self.variants

    @task(85)
    def browse(self):
        choice = random.random()
        if choice < 0.3 or not self.products:
            self._catalogue()
        elif choice < 0.4:
            self._get(f"/{self.hub}/", name="hub home")
        else:
            self._get(random.choice(self.products), name="product page")

    @task(5)
    def search(self):
        self._get(f"/{self.hub}/search/?q={random.choice(WORDS)}", name="search")

    @task(7)
    def basket(self):
        if not self.variants:
            self._catalogue()
        if self.variants:
            self._post(f"/{self.hub}/basket/add/", {"variant": random.choice(self.variants), "quantity": "1"},
                       name="basket add")

    @task(3)
    def checkout(self):
        if not self.variants:
            self._catalogue()
        if not self.variants:
            return
        basket = self._post(f"/{self.hub}/basket/add/", {"variant": random.choice(self.variants), "quantity": "1"},
                            name="checkout: basket add")
        # Like a customer, fill the basket up to the shop's minimum order.
        for _ in range(6):
            if 'id="minimum-notice"' not in (basket.text or ""):
                break
            basket = self._post(f"/{self.hub}/basket/add/", {"variant": random.choice(self.variants), "quantity": "1"},
                                name="checkout: basket add")
        start = self._get(f"/{self.hub}/checkout/", name="checkout: start")
        html = start.text or ""
        block = html.split('class="pickup-only"')[0]
        slots = re.findall(r'name="slot" id="slot-(\d+)"', block)
        token = CSRF.search(html)
        if not slots or not token:
            return
        details = {
            "csrfmiddlewaretoken": token.group(1), "fulfilment": "delivery", "address_line1": "5 rue Rossini",
            "postal_code": HUBS[self.hub], "city": "Nice", "slot": random.choice(slots),
            "email": f"load{random.randint(1, 10**9)}@example.org", "first_name": "Camille", "last_name": "Roux",
            "phone": "0612345678",
        }
        review = self._post(f"/{self.hub}/checkout/", details, name="checkout: details")
        html = review.text or ""
        token, checkout_token = CSRF.search(html), TOKEN.search(html)
        if not token or not checkout_token:
            return
        pay_page = self._post(
            f"/{self.hub}/checkout/review/",
            {"csrfmiddlewaretoken": token.group(1), "checkout_token": checkout_token.group(1), "accepted_terms": "on"},
            name="checkout: place order",
        )
        token = CSRF.search(pay_page.text or "")
        if not token or "/pay/sandbox/" not in (pay_page.url or ""):
            return
        path = "/" + pay_page.url.split("/", 3)[3]
        done = self._post(path, {"csrfmiddlewaretoken": token.group(1), "card_number": "4242424242424242",
                                 "action": "pay"}, name="checkout: pay")
        number = ORDER_NUMBER.search(done.text or "")
        if number:
            with _lock:
                ORDERS.append(number.group(1))


class SurgeVisitor(FastHttpUser):
    """A brand-new visitor on every visit, mostly from outside the delivery area."""

    wait_time = between(1, 3)
    who = "surge"

    def on_start(self):
        _arrive()

    @task
    def visit(self):
        self.client.cookiejar.clear()
        foreign = random.random() < 0.9
        ip = (FOREIGN_NET if foreign else LOCAL_NET) + str(random.randint(1, 254))
        hub = random.choice(list(HUBS))
        path = random.choice([f"/{hub}/", f"/{hub}/products/"])
        with self.client.get(path, name="surge visit", headers={"X-Forwarded-For": ip}, context={"who": self.who},
                             catch_response=True) as response:
            # Reported under the kind of answer, so that the tiny pages'
            # latency is read apart from the shop pages some visitors get.
            response.request_meta["name"] = f"surge: {_answer_kind(response.text or '')}"
            if response.status_code >= 500 or not response.status_code:
                response.failure(f"status {response.status_code}")
            else:
                response.success()


def _answer_kind(html: str) -> str:
    if "file d'attente" in html:
        return "waiting room"
    if "?geo=continue" in html:
        return "interstitial"
    if "Un instant" in html:
        return "busy (503)"
    return "shop page"


# Regular customers, and 20 times as many new visitors in a surge.
_REGULARS = int(os.environ.get("PANIER_LOADTEST_REGULARS", "0") or 0)
if _REGULARS:
    Shopper.fixed_count = _REGULARS
    SurgeVisitor.fixed_count = 20 * _REGULARS
