"""Time `panier backup`, `panier restore` and the restore drill on a generated shop.

    python bench/backup_restore.py --lines 1000000
    python bench/backup_restore.py --lines 1000000 --database-url postgres://postgres@127.0.0.1/panier_bench

The shop is built with the test factories and one paid order; that order is
then cloned in SQL into ``lines / 10`` orders of ten lines each. The source
database (and, for PostgreSQL, the databases the restore creates) are
dropped at the end. Two local folders serve as the two destinations, so the
figures measure Panier's work, not the network.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(args, work: Path) -> None:
    os.environ["PANIER_DATA_DIR"] = str(work)
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'source.sqlite3'}"
    os.environ["PANIER_BACKUP_DESTINATIONS"] = f"{(work / 'a').as_uri()},{(work / 'b').as_uri()}"
    os.environ["PANIER_BACKUP_KEY"] = "bench key, not secret"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "panier.config.settings"
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()


def build_shop() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from tests import factories

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    shop = factories.make_shop()
    factories.order_paid_by_card(shop, [(0, 2), (1, 1)])


def clone_orders(lines: int) -> None:
    """Copy the one order into lines/10 orders of ten lines, in SQL."""
    from django.db import connection

    orders = lines // 10
    if not orders:
        return
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM orders_order ORDER BY id LIMIT 1")
        template = cur.fetchone()[0]
        cols = [c.name for c in connection.introspection.get_table_description(cur, "orders_order") if c.name != "id"]
        uuid_expr = "md5(n::text)::uuid" if pg else "printf('%032x', n)"
        access_expr = "md5('a' || n::text)::uuid" if pg else "printf('a%031x', n)"
        special = {"number": "'B' || n", "checkout_token": uuid_expr, "access_key": access_expr}
        select = ", ".join(special.get(c, f'o."{c}"') for c in cols)
        seq = (
            f"generate_series(1, {orders}) AS s(n)"
            if pg
            else f"(WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < {orders}) SELECT n FROM q) s"  # noqa: S608
        )
        names = ", ".join(f'"{c}"' for c in cols)
        cur.execute(f"INSERT INTO orders_order ({names}) SELECT {select} FROM orders_order o, {seq} WHERE o.id = {template}")  # noqa: S608
        lcols = [c.name for c in connection.introspection.get_table_description(cur, "orders_orderline") if c.name not in {"id", "order_id"}]
        lselect = ", ".join(f'l."{c}"' for c in lcols)
        ten = "generate_series(1, 10) AS k(i)" if pg else "(WITH RECURSIVE t(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM t WHERE i < 10) SELECT i FROM t) k"
        lnames = ", ".join(f'"{c}"' for c in lcols)
        cur.execute(
            f"INSERT INTO orders_orderline ({lnames}, order_id) SELECT {lselect}, o.id "  # noqa: S608
            f"FROM orders_order o CROSS JOIN {ten} "
            f"JOIN (SELECT * FROM orders_orderline WHERE order_id = {template} ORDER BY id LIMIT 1) l ON 1 = 1 "
            "WHERE o.number LIKE 'B%'"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a SQLite file)")
    parser.add_argument("--keep-sqlite", help="copy the generated SQLite database there (to compare tools)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="panier-bench-") as tmp:
        work = Path(tmp)
        setup(args, work)
        from django.db import connection

        from panier.backups.database import Database, drop_scratch, scratch_name
        from panier.backups.services import backup_create, backup_drill, backup_restore

        t0 = time.perf_counter()
        build_shop()
        clone_orders(args.lines)
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM orders_orderline")
            line_count = cur.fetchone()[0]
        built = time.perf_counter() - t0
        live = Database.from_settings(connection.settings_dict)
        if live.vendor == "sqlite":
            with connection.cursor() as cur:
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = Path(live.name).stat().st_size
            if args.keep_sqlite:
                import shutil

                shutil.copyfile(live.name, args.keep_sqlite)
        else:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_database_size(current_database())")
                size = cur.fetchone()[0]
        print(f"engine: {live.vendor}; order lines: {line_count}; database size: {size / 1e6:.2f} MB (built in {built:.0f} s)")

        t0 = time.perf_counter()
        result = backup_create()
        backup_s = time.perf_counter() - t0
        print(f"backup: {backup_s:.1f} s, archive {result.size_bytes / 1e6:.2f} MB, sent to {len(result.outcomes)} destinations")

        target = (
            Database("sqlite", str(work / "restored.sqlite3"), settings={"ENGINE": "django.db.backends.sqlite3"})
            if live.vendor == "sqlite"
            else live.with_name(scratch_name(live.name, "bench"))
        )
        t0 = time.perf_counter()
        backup_restore(target=target, media_root=work / "restored-media")
        restore_s = time.perf_counter() - t0
        print(f"restore (download, decrypt, load, check every table, swap): {restore_s:.1f} s")
        drop_scratch(target)

        t0 = time.perf_counter()
        drill = backup_drill()
        print(f"restore drill: {time.perf_counter() - t0:.1f} s ({drill.checks[0].detail})")
        connection.close()
        if live.vendor == "postgresql":
            from panier.backups.database import _admin

            with _admin(live) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{live.name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
