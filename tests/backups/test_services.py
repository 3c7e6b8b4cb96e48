"""Backups, restores and drills against real destinations and real databases."""

import sqlite3
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from panier.backups.adapters.registry import destination_from_url
from panier.backups.database import (
    Database,
    connect,
    database_digests,
    database_is_empty,
    django_alias,
    drop_scratch,
)
from panier.backups.errors import (
    ArchiveCorrupt,
    DestinationFailed,
    SchemaTooNew,
    TargetNotEmpty,
    WrongKey,
)
from panier.backups.models import BackupRun, RunKind
from panier.backups.services import backup_create, backup_restore
from panier.orders.models import Order
from tests import factories
from tests.backups.conftest import DOWN_PORT

# Tests whose data must be seen by pg_dump (another connection) commit it;
# the others back up the committed state, which is enough for error paths.
committed = pytest.mark.django_db(transaction=True)
# SQLite's online backup cannot copy from a connection that is inside the
# test's open transaction, so SQLite tests commit; PostgreSQL ones dump the
# committed state from another connection, which needs no flush afterwards.
pytestmark = pytest.mark.django_db(transaction=connection.vendor == "sqlite")
# Error paths decided before the database engine is involved (transport,
# decryption, retention) run once, on SQLite; the PostgreSQL run keeps the
# tests that dump, load, swap and migrate.
engine_independent = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="does not depend on the database engine"
)


EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def paid_order(shop) -> Order:
    return factories.order_paid_by_card(shop, [(0, 2), (1, 1)])


def live_digests() -> dict:
    """Digests of every table of the test database, as the backup computes them."""
    live = Database.from_settings(connection.settings_dict)
    if live.vendor == "sqlite":
        # A plain connection, without Django's type converters, sees the
        # stored values as a restored file will show them.
        with sqlite3.connect(live.name, uri=live.name.startswith("file:")) as conn:
            return database_digests(conn, "sqlite")
    with connect(live) as conn:
        return database_digests(conn, "postgresql")


def target_digests(db: Database) -> dict:
    with connect(db) as conn:
        return database_digests(conn, db.vendor)


def local(tmp_path, name):
    return (tmp_path / name).as_uri()


@committed
def test_backup_then_restore_reproduces_every_table_and_file(
    shop, backup_settings, fresh_target, tmp_path, s3_bucket, sftp_url
):
    """An archive sent to a folder, S3 and SFTP restores every table and media file exactly."""
    order = paid_order(shop)
    media = Path(backup_settings.MEDIA_ROOT)
    (media / "products").mkdir(parents=True)
    (media / "products" / "tomme.jpg").write_bytes(b"\xff\xd8 not really a jpeg" * 100)
    backup_settings.PANIER_BACKUP_DESTINATIONS = [local(tmp_path, "nas"), s3_bucket, sftp_url]
    before = live_digests()

    result = backup_create()

    assert result.ok is True
    assert [o.ok for o in result.outcomes] == [True, True, True]
    for url in (local(tmp_path, "nas"), s3_bucket, sftp_url):
        assert destination_from_url(url).names() == [result.archive]
    assert result.manifest["database"]["tables"] == before
    assert result.manifest["ledger"]["orders_order"]["total_cents"] == order.total_cents
    assert result.manifest["migrations"]["backups"] == ["0001_backup_journal"]
    # Transports do not depend on the engine: PostgreSQL restores from one.
    for source in (s3_bucket, sftp_url) if connection.vendor == "sqlite" else (s3_bucket,):
        target = fresh_target(f"from_{source[:4]}")
        restored_media = tmp_path / f"restored-media-{source[:4]}"

        restored = backup_restore(target=target, source_url=source, media_root=restored_media)

        assert restored.archive == result.archive
        assert restored.migrated == []
        assert target_digests(target) == before
        assert (
            restored_media / "products" / "tomme.jpg"
        ).read_bytes() == b"\xff\xd8 not really a jpeg" * 100
    run = BackupRun.objects.get(kind=RunKind.BACKUP)
    assert (run.ok, run.archive, run.size_bytes) == (True, result.archive, result.size_bytes)


@engine_independent
def test_a_destination_that_is_down_fails_the_backup_but_not_the_others(
    db, backup_settings, tmp_path
):
    """A bucket that does not answer is reported by name; the other places get the archive."""
    down = f"s3://panier-down/x?endpoint=http://127.0.0.1:{DOWN_PORT}"
    backup_settings.PANIER_BACKUP_DESTINATIONS = [local(tmp_path, "nas"), down]

    with pytest.raises(CommandError) as raised:
        call_command("backup", "--no-drill")

    assert raised.value.returncode == 3
    assert "1 of 2 destinations" in str(raised.value)
    run = BackupRun.objects.get(kind=RunKind.BACKUP)
    assert run.ok is False
    assert [d["ok"] for d in run.destinations] == [True, False]
    assert run.destinations[1]["url"] == down
    assert "upload failed" in run.destinations[1]["error"]
    assert destination_from_url(local(tmp_path, "nas")).names() == [run.archive]


@engine_independent
def test_an_sftp_server_that_is_down_is_named_in_the_failure(
    db, backup_settings, tmp_path, sftp_server
):
    """An SFTP host that refuses connections fails with its URL in the message."""
    down = f"sftp://backup@127.0.0.1:{DOWN_PORT}/srv?known_hosts={sftp_server.known_hosts}"

    result = backup_create(
        destinations=[destination_from_url(local(tmp_path, "a")), destination_from_url(down)]
    )

    assert [o.ok for o in result.outcomes] == [True, False]
    assert result.outcomes[1].error.startswith(f"sftp://backup@127.0.0.1:{DOWN_PORT}/srv")


@engine_independent
def test_a_full_destination_fails_cleanly(db, backup_settings, tmp_path):
    """A folder on a full file system fails the backup and leaves no partial archive."""
    full = tmp_path / "full"
    full.mkdir()
    mounted = __import__("subprocess").run(
        ["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(full)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        result = backup_create(destinations=[destination_from_url(full.as_uri())])

        assert result.ok is False
        assert "No space left on device" in result.outcomes[0].error
        assert list(full.iterdir()) == []
    finally:
        __import__("subprocess").run(["umount", str(full)], check=False)


def _two_copies(tmp_path, backup_settings):
    first, second = local(tmp_path, "first"), local(tmp_path, "second")
    backup_settings.PANIER_BACKUP_DESTINATIONS = [first, second]
    result = backup_create()
    return result, tmp_path / "first" / result.archive, second


@engine_independent
def test_a_truncated_archive_is_refused_and_another_destination_suggested(
    db, backup_settings, fresh_target, tmp_path
):
    """Restoring a cut-off archive fails before touching the target and names the other copy."""
    result, damaged, second = _two_copies(tmp_path, backup_settings)
    damaged.write_bytes(damaged.read_bytes()[:-100])
    target = fresh_target()

    with pytest.raises(ArchiveCorrupt) as raised:
        backup_restore(
            target=target, source_url=local(tmp_path, "first"), media_root=tmp_path / "m"
        )

    assert "truncated" in raised.value.message
    assert f"--from {second}" in raised.value.message
    assert not Path(target.name).exists() if target.vendor == "sqlite" else True
    assert not (tmp_path / "m").exists()
    restored = backup_restore(target=target, source_url=second, media_root=tmp_path / "m")
    assert restored.archive == result.archive


@engine_independent
def test_a_tampered_archive_is_refused(db, backup_settings, fresh_target, tmp_path):
    """One flipped byte in the middle of an archive is detected."""
    _result, damaged, _second = _two_copies(tmp_path, backup_settings)
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))

    with pytest.raises(ArchiveCorrupt) as raised:
        backup_restore(
            target=fresh_target(), source_url=local(tmp_path, "first"), media_root=tmp_path / "m"
        )

    assert "altered" in raised.value.message


@engine_independent
def test_a_wrong_key_is_refused(db, backup_settings, fresh_target, tmp_path):
    """Another key is told apart from damage and nothing is written."""
    _two_copies(tmp_path, backup_settings)
    backup_settings.PANIER_BACKUP_KEY = "not the key"
    target = fresh_target()

    with pytest.raises(WrongKey):
        backup_restore(
            target=target, source_url=local(tmp_path, "first"), media_root=tmp_path / "m"
        )

    assert not (tmp_path / "m").exists()


def test_a_non_empty_target_is_refused_unless_forced(db, backup_settings, fresh_target, tmp_path):
    """A restore never overwrites data by surprise; forced, it keeps the old database aside."""
    result, _damaged, second = _two_copies(tmp_path, backup_settings)
    target = fresh_target()
    if target.vendor == "postgresql":
        from panier.backups.database import pg_create

        pg_create(target, target.name)
    with connect(target) as conn:
        conn.cursor().execute("CREATE TABLE precious (id integer PRIMARY KEY)")
        conn.commit()

    with pytest.raises(TargetNotEmpty):
        backup_restore(target=target, source_url=second, media_root=tmp_path / "m")
    forced = backup_restore(target=target, source_url=second, media_root=tmp_path / "m", force=True)

    assert forced.replaced is not None
    assert target_digests(target) == result.manifest["database"]["tables"]
    kept = target.with_name(forced.replaced)
    assert target_digests(kept) == {"precious": {"rows": 0, "sha256": EMPTY_SHA256}}
    drop_scratch(kept)


@engine_independent
@committed
def test_an_archive_from_a_newer_schema_is_refused(db, backup_settings, fresh_target, tmp_path):
    """A backup recording a migration this code lacks is refused before any write."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('orders', '9999_from_the_future', %s)",
            ["2030-01-01 00:00:00+00:00"],
        )
    backup_settings.PANIER_BACKUP_DESTINATIONS = [local(tmp_path, "nas")]
    try:
        backup_create()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE name = '9999_from_the_future'")
    target = fresh_target()

    with pytest.raises(SchemaTooNew) as raised:
        backup_restore(target=target, media_root=tmp_path / "m")

    assert "orders.9999_from_the_future" in raised.value.message
    assert "Upgrade Panier" in raised.value.message
    assert database_is_empty(target) is True


def test_an_archive_from_an_older_schema_is_restored_then_migrated(
    db, backup_settings, fresh_target, tmp_path
):
    """A backup taken before a migration is restored, then brought up to date."""
    backup_settings.PANIER_BACKUP_DESTINATIONS = [local(tmp_path, "current")]
    backup_create()
    old = fresh_target("old")
    backup_restore(target=old, media_root=tmp_path / "m0")
    with django_alias(old) as alias:
        call_command("migrate", "backups", "zero", database=alias, verbosity=0)
        backup_settings.PANIER_BACKUP_DESTINATIONS = [local(tmp_path, "old")]
        older = backup_create(using=alias)
        connections[alias].close()
    assert "backups" not in older.manifest["migrations"]
    target = fresh_target("new")

    restored = backup_restore(target=target, media_root=tmp_path / "m1")

    assert restored.migrated == ["backups.0001_backup_journal"]
    tables = target_digests(target)
    assert tables["backups_backuprun"]["rows"] == 0
    assert tables["orders_order"] == older.manifest["database"]["tables"]["orders_order"]


@engine_independent
def test_the_backup_command_creates_a_key_and_warns_about_a_single_place(
    db, backup_settings, tmp_path, capsys
):
    """Out of the box, a key file is created (0600) and one place is called out as not a backup."""
    backup_settings.PANIER_BACKUP_KEY = ""

    call_command("backup", "--no-drill")

    out = capsys.readouterr().out
    key_file = Path(backup_settings.PANIER_BACKUP_KEY_FILE)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert "created a new backup key" in out
    assert "One place is not a backup" in out
    assert len(list(Path(backup_settings.PANIER_BACKUP_LOCAL_DIR).glob("panier-*.pbk"))) == 1


@engine_independent
def test_restore_command_exits_non_zero_with_the_reason(db, backup_settings, tmp_path):
    """`panier restore` with nothing to restore exits 2 and says why."""
    backup_settings.PANIER_BACKUP_DESTINATIONS = [local(tmp_path, "empty")]

    with pytest.raises(CommandError) as raised:
        call_command("restore", "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")

    assert raised.value.returncode == 2
    assert "No usable backup archive" in str(raised.value)


@engine_independent
def test_retention_prunes_old_archives_on_each_destination(db, backup_settings, tmp_path):
    """Keeping 2 daily archives, a third backup on a new day removes the oldest."""
    from datetime import UTC, datetime

    from panier.backups.rules import Retention

    nas = destination_from_url(local(tmp_path, "nas"))
    policy = Retention(daily=2, weekly=0, monthly=0)
    names = [
        backup_create(
            destinations=[nas], retention=policy, now=datetime(2026, 3, day, 2, tzinfo=UTC)
        ).archive
        for day in (1, 2, 3)
    ]

    assert nas.names() == names[1:]


@engine_independent
def test_sqlite_snapshot_is_a_valid_database(db, backup_settings, tmp_path):
    """The SQLite dump inside an archive passes SQLite's own integrity check."""
    backup_settings.PANIER_BACKUP_DESTINATIONS = [local(tmp_path, "nas")]
    backup_create()
    target = Database(
        "sqlite", str(tmp_path / "r.sqlite3"), settings={"ENGINE": "django.db.backends.sqlite3"}
    )
    backup_restore(target=target, media_root=tmp_path / "m")

    with sqlite3.connect(target.name) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@engine_independent
def test_destination_failed_is_a_clear_error_for_an_unknown_archive(db, tmp_path):
    """Asking a folder for an archive it lacks names the folder and the archive."""
    nas = destination_from_url(local(tmp_path, "nas"))

    with pytest.raises(DestinationFailed) as raised:
        nas.get("panier-20260101T000000Z.pbk", tmp_path / "x")

    assert raised.value.message == f"{nas.url}: no archive named panier-20260101T000000Z.pbk"
