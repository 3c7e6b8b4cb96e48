"""SQL queries and time per step of one guest checkout, in process.

Runs the same flow as bench/checkout_bench.py (basket add → details →
recap → place order → sandbox payment → confirmation) with Django's test
client against the bench database that checkout_bench.py built, counts
the SQL queries of each step, and prints a pyinstrument profile of the
slowest step. Run checkout_bench.py once first (it creates the database).

    python bench/checkout_profile.py [--orders 5]
    PANIER_PROFILE_SQL=1 python bench/checkout_profile.py --orders 1   # and list the SQL
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/panier_checkout_bench")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "profile-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("PANIER_RATE_LIMITS_ENABLED", "0")
os.environ.setdefault("PANIER_DATA_DIR", str(ROOT / "var" / "checkout-bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panier.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SLOT = re.compile(r'name="slot" id="slot-(\d+)"')
TOKEN = re.compile(r'name="checkout_token" value="([^"]+)"')
HUB, POSTAL_CODE = "nice", "06000"


def one_order(
    client: Client, variants: list[int], profile_step: str | None, *, script: bool = True
) -> tuple[dict[str, tuple[int, float, float]], str]:
    # A fresh session per order, as a new buyer; the client (and so the
    # middleware, loaded once as in a server) is shared.
    client.cookies.clear()
    steps: dict[str, tuple[int, float, float]] = {}
    profile_text = ""

    def call(name: str, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        nonlocal profile_text
        profiler = Profiler(interval=0.0005) if name == profile_step else None
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler:
                profiler.start()
            response = (client.get(path, follow=True) if method == "GET"
                        else client.post(path, data=data, follow=True, headers=headers))
            if profiler:
                profiler.stop()
                profile_text = profiler.output_text(
                    unicode=True, color=False, show_all=bool(os.environ.get("PANIER_PROFILE_ALL"))
                )
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        steps[name] = (len(queries), cpu, elapsed)
        if name == profile_step and os.environ.get("PANIER_PROFILE_SQL"):
            for query in queries.captured_queries:
                print(query["sql"][:160])
        return response

    for variant in variants:
        call(f"basket add {variant}", "POST", f"/{HUB}/basket/add/", {"variant": variant, "quantity": 1},
             headers={"Accept": "application/json"} if script else None)
    page = call("checkout page", "GET", f"/{HUB}/checkout/").content.decode()
    details = {
        "csrfmiddlewaretoken": CSRF.search(page).group(1), "fulfilment": "delivery",
        "address_line1": "5 rue Rossini", "postal_code": POSTAL_CODE, "city": "Nice",
        "slot": SLOT.findall(page.split('class="pickup-only"')[0])[0], "email": "profile@example.org",
        "first_name": "Camille", "last_name": "Roux", "phone": "0612345678",
    }
    review = call("details → recap", "POST", f"/{HUB}/checkout/", details).content.decode()
    pay = call("place order → payment page", "POST", f"/{HUB}/checkout/review/",
               {"checkout_token": TOKEN.search(review).group(1), "accepted_terms": "on"})
    if not pay.redirect_chain:
        errors = re.findall(r"class=\"[^\"]*error[^\"]*\"[^>]*>([^<]+)<", pay.content.decode())
        raise SystemExit(f"the order was refused ({pay.status_code}): {errors or pay.content.decode()[-3000:]}")
    path = pay.redirect_chain[-1][0]
    done = call("pay → return → confirmation", "POST", path, {"card_number": "4242424242424242", "action": "pay"})
    if done.status_code != 200 or b"data-order-number=" not in done.content:
        raise SystemExit(f"the flow did not end on the confirmation: {done.status_code} {done.redirect_chain}")
    return steps, profile_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--profile", default="pay → return → confirmation", help="step to profile")
    parser.add_argument("--no-script", action="store_true",
                        help="add to the basket as a browser without JavaScript (post, then the basket page)")
    args = parser.parse_args()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.id FROM catalog_variant v JOIN catalog_product p ON p.id = v.product_id "
            "JOIN hubs_hub h ON h.id = p.hub_id JOIN inventory_stock s ON s.variant_id = v.id "
            "WHERE h.slug = %s AND p.is_active AND v.is_active AND NOT p.sold_by_weight AND s.remaining > 100 "
            "ORDER BY v.id LIMIT 3",
            [HUB],
        )
        variants = [row[0] for row in cursor.fetchall()]
    client = Client(enforce_csrf_checks=False)
    one_order(client, variants, None, script=not args.no_script)  # warm-up: imports, middleware, templates, fonts
    totals: dict[str, list[tuple[int, float, float]]] = {}
    profile = ""
    for i in range(args.orders):
        steps, text = one_order(client, variants, args.profile if i == args.orders - 1 else None,
                                script=not args.no_script)
        profile = text or profile
        for name, value in steps.items():
            totals.setdefault(name, []).append(value)
    # CPU time is this process's only (Django, templates, the database
    # driver); the database server's own work shows in the wall time.
    print(f"{'step':32s} {'SQL':>5s} {'CPU ms':>8s} {'wall ms':>8s}   (medians of {args.orders} orders)")
    sums = [0, 0.0, 0.0]
    for name, values in totals.items():
        cpu = sorted(c for _, c, _ in values)[len(values) // 2] * 1000
        wall = sorted(w for _, _, w in values)[len(values) // 2] * 1000
        sums = [sums[0] + values[-1][0], sums[1] + cpu, sums[2] + wall]
        print(f"{name:32s} {values[-1][0]:5d} {cpu:8.1f} {wall:8.1f}")
    print(f"{'whole order':32s} {sums[0]:5d} {sums[1]:8.1f} {sums[2]:8.1f}")
    print()
    print(profile)


if __name__ == "__main__":
    main()
