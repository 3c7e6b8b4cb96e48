"""CPU time of the tiny pages under load, through the WSGI gate and through Django.

Measures process CPU time per answer in this process (independent of the
machine's load): the "wrong shop?" interstitial and the waiting room,
answered by ``panier.traffic.gate.TrafficGate`` from the WSGI environ, and
the same answers given by ``TrafficMiddleware`` inside Django's handler
(the path every request took before the gate). No database is used: the
policies are put in the process cache.

    PYTHONPATH=src python bench/gate_cpu.py [--n 3000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

WORK = Path(tempfile.mkdtemp(prefix="panier-gate-bench-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="panier.config.settings", DEBUG="0", SECRET_KEY="bench-" + "k" * 50,
    ALLOWED_HOSTS="testserver", DATABASE_URL=f"sqlite:///{WORK / 'unused.sqlite3'}", REDIS_URL="",
    PANIER_DATA_DIR=str(WORK), PANIER_GEOIP_PATH=str(WORK / "country.mmdb"), PANIER_TRUSTED_PROXIES="1",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    n = parser.parse_args().n
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-Country")
    writer.insert_network(IPSet(["203.0.113.0/24"]), {"country": {"iso_code": "US"}})
    writer.to_db_file(os.environ["PANIER_GEOIP_PATH"])

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    from panier.traffic import policy
    from panier.traffic.gate import TrafficGate
    from panier.traffic.models import AdmissionMode

    forever = time.monotonic() + 10**9
    policy._cache["geo"] = (forever, {"nice": policy.HubPolicy(
        hub_slug="nice", hub_name="Panier Nice", default_action="allow", countries={"US": "interstitial"},
        delivery_area="Nice", other_site_label="Panier (US)", other_site_url="https://example.com/",
    )})
    django_app = WSGIHandler()
    gate = TrafficGate(django_app)
    factory = RequestFactory()

    def start_response(status, headers, exc_info=None):
        start_response.status = status

    def run(app, environ_of, label: str) -> None:
        for _ in range(200):  # warm-up
            b"".join(app(environ_of(), start_response))
        started = time.process_time()
        for _ in range(n):
            b"".join(app(environ_of(), start_response))
        per = (time.process_time() - started) / n * 1e6
        sys.stdout.write(f"{label:<48} {per:8.0f} µs CPU per answer ({start_response.status})\n")

    def foreign():
        return factory.get("/nice/products/", HTTP_X_FORWARDED_FOR="203.0.113.7").environ

    def new_visitor():
        return factory.get("/nice/products/", HTTP_X_FORWARDED_FOR="192.0.2.7").environ

    run(gate, foreign, "interstitial, gate")
    run(django_app, foreign, "interstitial, Django middleware")
    policy._cache["admission"] = (forever, AdmissionMode.FORCED_ON)
    run(gate, new_visitor, "waiting room (local counters), gate")
    run(django_app, new_visitor, "waiting room (local counters), Django middleware")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
