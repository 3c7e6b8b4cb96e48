"""CPU time per request of the uncached catalogue pages, measured in process.

Runs the whole Django stack (middleware included) through the test client
against the configured database (load the demo first), with a cookie so
that the anonymous page cache steps aside, and prints CPU milliseconds per
request (``time.process_time``, so other processes on the machine do not
inflate it), SQL queries and page size. ``--cold write`` moves the hub's
versions before each request as a catalog write does, so nothing kept in
the cache is used; ``--cold band`` as a change of stock band does. ``--profile`` prints the top of
a cProfile of the list and product pages.

    PYTHONPATH=src DEBUG=0 DATABASE_URL=... [REDIS_URL=...] python bench/catalog_cpu.py [-n 200] [--cold write|band] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panier.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from panier.core.cache_versions import catalog_version_bump  # noqa: E402
from panier.hubs.models import Hub  # noqa: E402


def measure(client: Client, path: str, n: int, cold: Callable[[], None] | None) -> tuple[float, int, int]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    if cold:
        cold()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    # Read the count now: the next request clears the query log.
    count = len(queries)
    spent = 0.0
    for _ in range(n):
        if cold:
            cold()
        started = time.process_time()
        response = client.get(path)
        spent += time.process_time() - started
        assert response.status_code == 200
    return spent * 1000 / n, count, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200, help="requests per page")
    parser.add_argument("--hub", default="nice")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--cold",
        choices=("write", "band"),
        help="before each request, act as a catalog write (nothing kept) or a stock-band change",
    )
    args = parser.parse_args()
    client = Client()
    client.cookies["bench"] = "1"
    listing = client.get(f"/{args.hub}/products/").content
    product = re.search(rb'href="(/%s/p/[^"]+/)"' % args.hub.encode(), listing).group(1).decode()
    pages = {
        "list /products/": f"/{args.hub}/products/",
        "list, filtered": f"/{args.hub}/products/?category=&producer=",
        "list /en/products/": f"/en/{args.hub}/products/",
        "product page": product,
        "product page /en/": "/en" + product,
    }
    cold = None
    if args.cold:
        hub_id = Hub.objects.get(slug=args.hub).pk
        bumps = [catalog_version_bump]
        if args.cold == "write":
            from panier.catalog.invalidation import content_version_bump

            bumps.append(content_version_bump)

        def cold() -> None:
            for bump in bumps:
                bump(hub_id)

    print(f"{'page':<22} {'CPU ms/req':>10} {'queries':>8} {'KB':>6}")
    for label, path in pages.items():
        cpu_ms, queries, size = measure(client, path, args.n, cold)
        print(f"{label:<22} {cpu_ms:>10.2f} {queries:>8} {size / 1024:>6.1f}")
    if args.profile:
        for label in ("list /products/", "product page"):
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(50):
                client.get(pages[label])
            profiler.disable()
            print(f"\n=== {label} (50 requests)")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
