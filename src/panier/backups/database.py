"""Consistent database snapshots, loads and table digests, per engine.

The functions here talk DB-API (sqlite3, psycopg) rather than the ORM: a
restore works on databases Django is not configured for, and a digest must
see exactly what the dump saw.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import decimal
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.db import connections
from django.db.utils import load_backend

from panier.backups.errors import BackupError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
DUMP_NAMES = {SQLITE: "database.sqlite3", POSTGRESQL: "database.pgdump"}


@dataclass(frozen=True, slots=True)
class Database:
    """Where a database lives, from a Django settings dictionary."""

    vendor: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    settings: dict[str, Any] | None = None

    @classmethod
    def from_settings(cls, config: dict[str, Any]) -> Database:
        engine = config["ENGINE"]
        if engine.endswith("sqlite3"):
            vendor = SQLITE
        elif engine.endswith("postgresql"):
            vendor = POSTGRESQL
        else:
            raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")
        return cls(
            vendor=vendor,
            name=str(config["NAME"]),
            host=config.get("HOST") or "",
            port=str(config.get("PORT") or ""),
            user=config.get("USER") or "",
            password=config.get("PASSWORD") or "",
            settings=config,
        )

    def with_name(self, name: str) -> Database:
        config = dict(self.settings or {})
        config["NAME"] = name
        return Database(self.vendor, name, self.host, self.port, self.user, self.password, config)

    def label(self) -> str:
        if self.vendor == SQLITE:
            return f"SQLite {self.name}"
        return f"PostgreSQL {self.name} on {self.host or 'localhost'}:{self.port or 5432}"

    # PostgreSQL helpers -------------------------------------------------
    def pg_params(self, dbname: str | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"dbname": dbname or self.name}
        for key in ("host", "port", "user", "password"):
            if getattr(self, key):
                params[key] = getattr(self, key)
        return params

    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def pg_args(self) -> list[str]:
        args = []
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", self.port]
        if self.user:
            args += ["--username", self.user]
        return args


@contextlib.contextmanager
def connect(db: Database) -> Iterator[Any]:
    """Open a DB-API connection to ``db`` (times in UTC on PostgreSQL)."""
    if db.vendor == SQLITE:
        conn = sqlite3.connect(db.name)
        try:
            yield conn
        finally:
            conn.close()
        return
    with psycopg.connect(**db.pg_params(), autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        yield conn


# Digests ---------------------------------------------------------------


# Bumped whenever table_digest changes how rows are encoded: an archive's
# digests are only compared with digests of the same format.
DIGEST_FORMAT = 1
_PLAIN = (int, str, type(None))


def _norm(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def table_names(conn: Any, vendor: str) -> list[str]:
    if vendor == SQLITE:
        sql = (
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    cur = conn.cursor()
    cur.execute(sql)
    return [row[0] for row in cur.fetchall()]


def table_columns(conn: Any, vendor: str, table: str) -> list[str]:
    cur = conn.cursor()
    cur.execute(f'SELECT * FROM "{table}" WHERE 1 = 0')  # noqa: S608 - names from the catalogue
    return [col[0] for col in cur.description]


def _order_columns(conn: Any, vendor: str, table: str) -> list[str]:
    cur = conn.cursor()
    if vendor == SQLITE:
        cur.execute(f'PRAGMA table_info("{table}")')
        pk = sorted((row[5], row[1]) for row in cur.fetchall() if row[5])
        keys = [name for _pos, name in pk]
    else:
        cur.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY a.attnum",
            [f'"{table}"'],
        )
        keys = [row[0] for row in cur.fetchall()]
    return keys or table_columns(conn, vendor, table)


def table_digest(conn: Any, vendor: str, table: str) -> dict[str, Any]:
    """Return the row count and a SHA-256 of every row of ``table``, in key order."""
    order = ", ".join(f'"{c}"' for c in _order_columns(conn, vendor, table))
    cur = conn.cursor()
    cur.execute(f'SELECT * FROM "{table}" ORDER BY {order}')  # noqa: S608 - catalogue names
    digest = hashlib.sha256()
    rows = 0
    plain = _PLAIN
    while batch := cur.fetchmany(5000):
        # repr() of ints, strings and None is stable across versions; other
        # types are first turned into a stable text (ISO dates, hex bytes).
        text = "\n".join(repr([v if type(v) in plain else _norm(v) for v in row]) for row in batch)
        digest.update(text.encode())
        digest.update(b"\n")
        rows += len(batch)
    return {"rows": rows, "sha256": digest.hexdigest()}


def database_digests(conn: Any, vendor: str) -> dict[str, dict[str, Any]]:
    """Return the digest of every table of the database behind ``conn``."""
    return {t: table_digest(conn, vendor, t) for t in table_names(conn, vendor)}


def applied_migrations(conn: Any, vendor: str) -> dict[str, list[str]]:
    """Return the applied migrations, by app, of the database behind ``conn``."""
    if "django_migrations" not in table_names(conn, vendor):
        return {}
    cur = conn.cursor()
    cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cur.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def database_is_empty(db: Database) -> bool:
    """A database is empty when it does not exist or has no table."""
    if db.vendor == SQLITE:
        path = Path(db.name)
        if not path.exists() or path.stat().st_size == 0:
            return True
        with connect(db) as conn:
            return not table_names(conn, SQLITE)
    if not pg_database_exists(db, db.name):
        return True
    with connect(db) as conn:
        return not table_names(conn, POSTGRESQL)


# Snapshots -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    vendor: str
    dump: Path
    tables: dict[str, dict[str, Any]]
    migrations: dict[str, list[str]]
    extras: dict[str, Any]
    server_version: str


def snapshot(alias: str, workdir: Path, extras: Any) -> Snapshot:
    """Dump the database of connection ``alias`` into ``workdir``, consistently.

    ``extras(conn, vendor)`` computes more figures for the manifest; it and
    the table digests read the very state the dump holds: the SQLite copy
    itself, or the exported PostgreSQL snapshot that pg_dump also uses.
    """
    wrapper = connections[alias]
    db = Database.from_settings(wrapper.settings_dict)
    dump = workdir / DUMP_NAMES[db.vendor]
    if db.vendor == SQLITE:
        wrapper.ensure_connection()
        target = sqlite3.connect(dump)
        try:
            # The online backup API copies a consistent state while the
            # shop keeps running (works for files and in-memory databases).
            wrapper.connection.backup(target)
            version = sqlite3.sqlite_version
            return Snapshot(
                SQLITE,
                dump,
                database_digests(target, SQLITE),
                applied_migrations(target, SQLITE),
                extras(target, SQLITE),
                version,
            )
        finally:
            target.close()
    with psycopg.connect(**db.pg_params()) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        conn.execute("SET TIME ZONE 'UTC'")
        snapshot_id = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        version = conn.execute("SHOW server_version").fetchone()[0]
        _run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot_id}",
                "--file",
                str(dump),
                *db.pg_args(),
                "--dbname",
                db.name,
            ],
            db,
            "pg_dump",
        )
        result = Snapshot(
            POSTGRESQL,
            dump,
            database_digests(conn, POSTGRESQL),
            applied_migrations(conn, POSTGRESQL),
            extras(conn, POSTGRESQL),
            version,
        )
        conn.rollback()
        return result


def _run(args: list[str], db: Database, what: str) -> None:
    if shutil.which(args[0]) is None:
        raise BackupError(f"{args[0]} is not installed (apt-get install postgresql-client).")
    done = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        args, env=db.pg_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-2000:]}")


# PostgreSQL databases ----------------------------------------------------


def _admin(db: Database) -> psycopg.Connection:
    return psycopg.connect(**db.pg_params("postgres"), autocommit=True)


def pg_database_exists(db: Database, name: str) -> bool:
    with _admin(db) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def pg_create(db: Database, name: str) -> None:
    with _admin(db) as conn:
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")


def pg_drop(db: Database, name: str) -> None:
    with _admin(db) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_rename(db: Database, old: str, new: str) -> None:
    with _admin(db) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [old],
        )
        conn.execute(f'ALTER DATABASE "{old}" RENAME TO "{new}"')


def scratch_name(base: str, tag: str) -> str:
    """A fresh database name derived from ``base`` (PostgreSQL allows 63 bytes)."""
    suffix = f"_{tag}_{secrets.token_hex(4)}"
    return base[: 63 - len(suffix)] + suffix


# Loads -----------------------------------------------------------------


def load_scratch(dump: Path, vendor: str, scratch: Database) -> None:
    """Load ``dump`` into the new database ``scratch`` (a file or a database name)."""
    if vendor != scratch.vendor:
        raise BackupError(
            f"This archive holds a {vendor} database; it cannot be restored into {scratch.label()}."
        )
    if vendor == SQLITE:
        shutil.copyfile(dump, scratch.name)
        return
    pg_create(scratch, scratch.name)
    try:
        _run(
            [
                "pg_restore",
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                *scratch.pg_args(),
                "--dbname",
                scratch.name,
                str(dump),
            ],
            scratch,
            "pg_restore",
        )
    except BackupError:
        pg_drop(scratch, scratch.name)
        raise


def drop_scratch(scratch: Database) -> None:
    if scratch.vendor == SQLITE:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(scratch.name + suffix).unlink(missing_ok=True)
    else:
        pg_drop(scratch, scratch.name)


def swap_in(scratch: Database, target: Database, *, stamp: str) -> str | None:
    """Put the loaded ``scratch`` database in place of ``target``.

    A non-empty target is kept under a new name, which is returned, so a
    forced restore can still be undone by hand.
    """
    kept = None
    if target.vendor == SQLITE:
        path = Path(target.name)
        if path.exists():
            if database_is_empty(target):
                path.unlink()
            else:
                # Fold the write-ahead log into the file before moving it.
                with contextlib.closing(sqlite3.connect(path)) as conn:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                kept = f"{path}.replaced-{stamp}"
                os.replace(path, kept)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(scratch.name, path)
        return kept
    if pg_database_exists(target, target.name):
        if database_is_empty(target):
            pg_drop(target, target.name)
        else:
            kept = scratch_name(target.name, f"replaced_{stamp}")
            pg_rename(target, target.name, kept)
    pg_rename(target, scratch.name, target.name)
    return kept


@contextlib.contextmanager
def django_alias(db: Database) -> Iterator[str]:
    """Register ``db`` as a temporary Django connection alias."""
    alias = f"panier_backup_{secrets.token_hex(4)}"
    base = copy.deepcopy(connections["default"].settings_dict)
    base.update(db.settings or {})
    base["NAME"] = db.name
    # The wrapper is set directly rather than added to the settings: the
    # alias lives only as long as this block.
    connections[alias] = load_backend(base["ENGINE"]).DatabaseWrapper(base, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
