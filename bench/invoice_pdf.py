"""Time to issue one invoice: number + rows, then the Factur-X PDF/A-3.

Usage: PYTHONPATH=src:. python bench/invoice_pdf.py [--orders 30]
(uses a throw-away SQLite database unless DATABASE_URL is set). Target:
under 300 ms per invoice, PDF included.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=30)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    sys.path[:0] = [str(root / "src"), str(root)]
    tmp = tempfile.mkdtemp(prefix="panier-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panier.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests import factories
    from tests.invoicing.conftest import place_paid_order

    from panier.delivery.models import Slot
    from panier.inventory.models import Stock
    from panier.invoicing.services import invoice_document_ensure, invoice_issue_for_order

    shop = factories.make_shop()
    Stock.objects.update(remaining=100_000)
    Slot.objects.update(capacity=100_000)
    orders = [place_paid_order(shop, (0, 2), (1, 1), (2, 1)) for _ in range(args.orders + 1)]

    # The first render loads Pango, fonts and the XSDs once per process.
    start = time.perf_counter()
    [first] = invoice_issue_for_order(order=orders[0], render=False)
    invoice_document_ensure(invoice_id=first.pk)
    cold = time.perf_counter() - start

    issue_times, total_times = [], []
    for order in orders[1:]:
        start = time.perf_counter()
        [invoice] = invoice_issue_for_order(order=order, render=False)
        issued = time.perf_counter()
        invoice = invoice_document_ensure(invoice_id=invoice.pk)
        done = time.perf_counter()
        issue_times.append(issued - start)
        total_times.append(done - start)
    size = len(bytes(invoice.pdf))

    def ms(values, q):
        return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000

    print(f"database: {django.db.connection.vendor}, invoices: {len(total_times)}, PDF size: {size} bytes")
    print(f"first invoice (cold process): {cold * 1000:.0f} ms")
    print(f"number + rows only: median {statistics.median(issue_times) * 1000:.1f} ms")
    print(
        f"issue one invoice PDF (number + rows + Factur-X PDF/A-3): median "
        f"{statistics.median(total_times) * 1000:.0f} ms, p95 {ms(total_times, 95):.0f} ms, "
        f"max {max(total_times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
