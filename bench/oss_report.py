"""Time the OSS return of one quarter over a year of generated invoices (PostgreSQL).

    python bench/oss_report.py --lines 1000000
    python bench/oss_report.py --lines 1000000 --server postgres://postgres@127.0.0.1:5432/postgres

Creates the database ``panier_bench_oss`` on the server (dropped first if
left over, and dropped at the end), builds a shop with the test factories
and one invoice issued through the checkout, then writes ``lines / 10``
invoices of ten lines each in bulk SQL (``INSERT … SELECT`` over
``generate_series``), spread over the year 2026: 30 % of buyers live in
Belgium, Germany or Italy (a sixth of those are businesses with a VAT
number, hence outside OSS), and three invoices in a hundred get a credit
note forty days later. Then ``report_oss`` runs for one quarter, timed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "panier_bench_oss"


def admin(server: str):
    import psycopg

    return psycopg.connect(server, autocommit=True)


def setup(server: str) -> None:
    with admin(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{NAME}"')
    base = server.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/{NAME}"
    os.environ["DEBUG"] = "1"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "panier.config.settings"
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()


def build_shop():
    from django.conf import settings
    from django.core.management import call_command
    from tests import factories

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    shop = factories.make_shop()
    factories.order_paid_by_card(shop, [(0, 2), (2, 1)])
    return shop


# Per generated invoice n: five lines at 5.5 % and five at 20 %, each of gross g cents.
GROSS = "(500 + (n % 50) * 10)"
NET_550 = f"((5 * {GROSS} * 10000 + 5275) / 10550)"
NET_2000 = f"((5 * {GROSS} * 10000 + 6000) / 12000)"
BREAKDOWN = (
    "jsonb_build_array("
    f"jsonb_build_object('rate_bp', 550, 'net_cents', {NET_550}, 'vat_cents', 5 * {GROSS} - {NET_550}, "
    f"'gross_cents', 5 * {GROSS}, 'category', 'S'), "
    f"jsonb_build_object('rate_bp', 2000, 'net_cents', {NET_2000}, 'vat_cents', 5 * {GROSS} - {NET_2000}, "
    f"'gross_cents', 5 * {GROSS}, 'category', 'S'))"
)


def generate(lines: int) -> None:
    from django.db import connection

    invoices = lines // 10
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM invoicing_invoice ORDER BY id LIMIT 1")
        template = cur.fetchone()[0]
        cols = [c.name for c in connection.introspection.get_table_description(cur, "invoicing_invoice") if c.name != "id"]
        special = {
            "public_id": "md5('i' || n::text)::uuid",
            "kind": "'invoice'",
            "seller_key": "'bench:' || n",
            "sequence_number": "1000 + n",
            "number": "'B-' || n",
            "credited_invoice_id": "NULL",
            "issue_date": "DATE '2026-01-01' + (n % 365)",
            "issued_at": "(DATE '2026-01-01' + (n % 365))::timestamptz + interval '10 hours'",
            "supply_date": "DATE '2026-01-01' + (n % 365)",
            "buyer_country": "CASE n % 10 WHEN 0 THEN 'BE' WHEN 1 THEN 'DE' WHEN 2 THEN 'IT' ELSE 'FR' END",
            "buyer_vat_number": "CASE WHEN n % 20 = 0 THEN 'BE0477472701' ELSE '' END",
            "net_cents": f"{NET_550} + {NET_2000}",
            "vat_cents": f"10 * {GROSS} - {NET_550} - {NET_2000}",
            "gross_cents": f"10 * {GROSS}",
            "vat_breakdown": BREAKDOWN,
            "pdf": "NULL",
            "xml": "NULL",
        }
        names = ", ".join(f'"{c}"' for c in cols)
        select = ", ".join(special.get(c, f'i."{c}"') for c in cols)
        cur.execute(
            f"INSERT INTO invoicing_invoice ({names}) SELECT {select} "  # noqa: S608
            f"FROM invoicing_invoice i, generate_series(1, {invoices}) AS s(n) WHERE i.id = {template}"
        )
        lcols = [c.name for c in connection.introspection.get_table_description(cur, "invoicing_invoiceline")
                 if c.name not in {"id", "invoice_id", "position", "rate_bp", "gross_cents", "net_cents", "credited_line_id"}]
        lnames = ", ".join(f'"{c}"' for c in lcols)
        lselect = ", ".join(f'l."{c}"' for c in lcols)
        gross = "(500 + (substr(i.number, 3)::int % 50) * 10)"
        rate = "CASE WHEN k <= 5 THEN 550 ELSE 2000 END"
        cur.execute(
            f"INSERT INTO invoicing_invoiceline ({lnames}, invoice_id, position, rate_bp, gross_cents, net_cents) "  # noqa: S608
            f"SELECT {lselect}, i.id, k, {rate}, {gross}, ({gross} * 10000 + (10000 + {rate}) / 2) / (10000 + {rate}) "
            "FROM invoicing_invoice i CROSS JOIN generate_series(1, 10) AS t(k) "
            f"JOIN (SELECT * FROM invoicing_invoiceline WHERE invoice_id = {template} AND NOT is_delivery "
            "ORDER BY id LIMIT 1) l ON TRUE WHERE i.number LIKE 'B-%'"
        )
        # Three invoices in a hundred are credited in full forty days later (often the next quarter).
        special.update(
            {
                "public_id": "md5('c' || i.id::text)::uuid",
                "kind": "'credit_note'",
                "seller_key": "i.seller_key",
                "sequence_number": f"{invoices + 2000} + i.id",
                "number": "'AV-B-' || i.id",
                "credited_invoice_id": "i.id",
                "issue_date": "i.issue_date + 40",
                "issued_at": "i.issued_at + interval '40 days'",
                "supply_date": "i.supply_date",
                "buyer_country": "i.buyer_country",
                "buyer_vat_number": "i.buyer_vat_number",
                "net_cents": "i.net_cents",
                "vat_cents": "i.vat_cents",
                "gross_cents": "i.gross_cents",
                "vat_breakdown": "i.vat_breakdown",
            }
        )
        select = ", ".join(special.get(c, f'i."{c}"') for c in cols)
        cur.execute(
            f"INSERT INTO invoicing_invoice ({names}) SELECT {select} FROM invoicing_invoice i "  # noqa: S608
            "WHERE i.number LIKE 'B-%' AND substr(i.number, 3)::int % 100 IN (1, 2, 7) AND i.issue_date < DATE '2026-11-20'"
        )
        cur.execute("ANALYZE invoicing_invoice")
        cur.execute("ANALYZE invoicing_invoiceline")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--quarter", default="2026Q3")
    args = parser.parse_args()
    setup(args.server)
    try:
        from django.db import connection

        from panier.invoicing.reports import report_oss
        from panier.tax.oss import quarter_parse

        t0 = time.perf_counter()
        shop = build_shop()
        generate(args.lines)
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM invoicing_invoiceline")
            line_count = cur.fetchone()[0]
            cur.execute("SELECT kind, COUNT(*) FROM invoicing_invoice GROUP BY kind ORDER BY kind")
            kinds = dict(cur.fetchall())
        print(f"invoice lines: {line_count}; documents: {kinds} (built in {time.perf_counter() - t0:.0f} s)")

        year, quarter = quarter_parse(args.quarter)
        for attempt in range(3):
            t0 = time.perf_counter()
            report = report_oss(year=year, quarter=quarter, hub=shop.hub)
            elapsed = time.perf_counter() - t0
            print(f"report_oss {args.quarter} run {attempt + 1}: {elapsed:.2f} s, {len(report.rows)} rows")
        for row in report.rows:
            print("  ", *row)
        connection.close()
    finally:
        with admin(args.server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
