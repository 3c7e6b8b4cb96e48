"""Restore drills: restore into a scratch database, check, journal."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from panier.backups.checks import CheckResult
from panier.backups.errors import DrillFailed
from panier.backups.models import BackupRun, RunKind
from panier.backups.services import backup_create, backup_drill, drill_due
from tests.backups.test_services import committed, engine_independent, paid_order

pytestmark = pytest.mark.django_db(transaction=connection.vendor == "sqlite")


def nobody_home(conn, vendor, manifest):
    """A drill check of this test module: counts users and fails on purpose."""
    cursor = conn.cursor()
    cursor.execute("SELECT COUNT(*) FROM accounts_user")
    return CheckResult("nobody home", False, f"{cursor.fetchone()[0]} users")


def _drop_invoice(invoice_id: int) -> None:
    """Remove an issued invoice behind the application's back, as a faulty
    restore or a tampered database would (the model itself refuses)."""
    with connection.cursor() as cursor:
        cursor.execute('DELETE FROM "invoicing_invoiceline" WHERE "invoice_id" = %s', [invoice_id])
        cursor.execute('DELETE FROM "invoicing_invoice" WHERE "id" = %s', [invoice_id])


@committed
def test_a_drill_checks_tables_money_and_invoice_numbers(shop, backup_settings, tmp_path, capsys):
    """`panier restore --verify` restores into a scratch database and every check passes."""
    order = paid_order(shop)
    assert order.invoices.count() == 1
    backup_settings.PANIER_BACKUP_DESTINATIONS = [(tmp_path / "nas").as_uri()]
    backup_create()

    call_command("restore", "--verify")

    out = capsys.readouterr().out
    assert "OK tables: " in out
    assert f"1 orders totalling {order.total_cents} cents, 1 payments: totals match" in out
    assert "OK invoice numbers: continuous in invoicing_invoice" in out
    drill = BackupRun.objects.get(kind=RunKind.DRILL)
    assert drill.ok is True
    assert drill_due() is False


@engine_independent
@committed
def test_a_gap_in_invoice_numbers_fails_the_drill(shop, backup_settings, tmp_path):
    """A missing invoice number is reported and the failed drill is journalled."""
    orders = [paid_order(shop) for _ in range(3)]
    second = orders[1].invoices.get()
    _drop_invoice(second.pk)
    backup_settings.PANIER_BACKUP_DESTINATIONS = [(tmp_path / "nas").as_uri()]
    backup_create()

    with pytest.raises(DrillFailed) as raised:
        backup_drill()

    assert f"sequence {second.sequence_id}: missing 2" in raised.value.message
    assert BackupRun.objects.get(kind=RunKind.DRILL).ok is False
    assert drill_due() is True


@engine_independent
def test_drill_checks_are_pluggable(db, backup_settings, tmp_path):
    """A check named in PANIER_BACKUP_DRILL_CHECKS runs on the restored copy."""
    backup_settings.PANIER_BACKUP_DRILL_CHECKS = ["tests.backups.test_drill.nobody_home"]
    backup_settings.PANIER_BACKUP_DESTINATIONS = [(tmp_path / "nas").as_uri()]
    backup_create()

    with pytest.raises(DrillFailed) as raised:
        backup_drill()

    assert raised.value.message.endswith("nobody home: 0 users")


@engine_independent
def test_the_backup_command_runs_a_drill_when_one_is_due(db, backup_settings, tmp_path, capsys):
    """With no recent good drill, `panier backup` rehearses a restore of the archive it made."""
    backup_settings.PANIER_BACKUP_DESTINATIONS = [
        (tmp_path / "a").as_uri(),
        (tmp_path / "b").as_uri(),
    ]
    now = timezone.now()
    BackupRun.objects.create(
        kind=RunKind.DRILL,
        started_at=now - timedelta(days=31),
        finished_at=now - timedelta(days=31),
        ok=True,
    )

    call_command("backup")
    call_command("backup")

    out = capsys.readouterr().out
    assert out.count("Restore drill passed") == 1
    assert BackupRun.objects.filter(kind=RunKind.DRILL, ok=True).count() == 2


def test_invoice_numbers_without_a_series_column_are_split_by_prefix():
    """Numbers such as F-000005 form series by prefix; a gap in one series is reported."""
    import sqlite3

    from panier.backups.checks import invoice_figures, invoice_numbers_continuous

    conn = sqlite3.connect(":memory:")
    conn.execute('CREATE TABLE "billing_invoice" ("id" integer PRIMARY KEY, "number" text)')
    for pk, number in enumerate(["F-000001", "F-000002", "F-000005", "AV-000001"], start=1):
        conn.execute("INSERT INTO billing_invoice VALUES (?, ?)", [pk, number])

    result = invoice_numbers_continuous(
        conn, "sqlite", {"invoices": invoice_figures(conn, "sqlite")}
    )

    assert result.ok is False
    assert result.detail == "billing_invoice F-: missing 3, 4"
