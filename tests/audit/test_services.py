"""The audit log in the database: chaining, append-only guards, verify, exports, purge."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from panier.audit.errors import AuditImmutable, ExportCapReached
from panier.audit.models import AuditChain, AuditEntry
from panier.audit.services import audit_purge, audit_record, export_record
from panier.hubs.models import HubRole, HubStaff
from tests import factories


def _disable_triggers():
    """Act as a database owner would: switch the guards off (inside the test's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")


def test_entries_are_chained_per_hub(shop):
    """Each hub has its own chain; seq counts up and each row links to the previous hash."""
    first = audit_record(action="view", object_type="order", object_id="A1", hub=shop.hub, actor=shop.operator)
    second = audit_record(action="view", object_type="order", object_id="A2", hub=shop.hub, actor=shop.operator)
    other = audit_record(action="view", object_type="account", object_id=1)

    assert (first.seq, second.seq, other.seq) == (1, 2, 1)
    assert second.prev_hash == first.hash
    assert (first.chain_key, other.chain_key) == (f"hub:{shop.hub.pk}", "global")
    assert AuditChain.objects.get(key=first.chain_key).last_hash == second.hash


def test_request_details_are_reduced(rf, shop):
    """Only the network prefix and a truncated user agent are kept; the actor is the request's user."""
    request = rf.get("/", REMOTE_ADDR="192.0.2.41", HTTP_USER_AGENT="x" * 300)
    request.user = shop.operator

    entry = audit_record(action="change", object_type="order", hub=shop.hub, request=request,
                         changes={"password": "secret", "status": "paid"})

    assert (entry.ip_prefix, len(entry.user_agent), entry.actor_id) == ("192.0.2.0/24", 200, shop.operator.pk)
    assert entry.changes == {"password": "[redacted]", "status": "paid"}


def test_the_model_refuses_update_and_delete(shop):
    """Saving an existing entry, deleting it or bulk-changing entries raises audit_immutable."""
    entry = audit_record(action="view", object_type="order", hub=shop.hub)

    for attempt in (entry.save, entry.delete, AuditEntry.objects.all().delete,
                    lambda: AuditEntry.objects.update(rows=3)):
        with pytest.raises(AuditImmutable) as caught:
            attempt()
        assert caught.value.code == "audit_immutable"


def test_the_database_refuses_a_raw_update(shop):
    """A trigger refuses UPDATE even from raw SQL (SQLite and PostgreSQL)."""
    entry = audit_record(action="view", object_type="order", hub=shop.hub)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = 'x' WHERE id = %s", [entry.pk])


@pytest.mark.postgres
def test_postgres_refuses_a_raw_delete(shop):
    """On PostgreSQL the trigger refuses DELETE outside a retention purge."""
    entry = audit_record(action="view", object_type="order", hub=shop.hub)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])


def test_verify_passes_then_finds_tampering(shop):
    """`panier audit verify` accepts an intact log and fails once a row is edited behind its back."""
    for number in ("A1", "A2", "A3"):
        audit_record(action="view", object_type="order", object_id=number, hub=shop.hub)
    call_command("audit", "verify", stdout=(out := __import__("io").StringIO()))
    assert "all intact" in out.getvalue()

    _disable_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = 'B2' WHERE object_id = 'A2'")

    with pytest.raises(CommandError, match="1 of 1 chain"):
        call_command("audit", "verify", stdout=(out := __import__("io").StringIO()))
    assert "hash_mismatch" in out.getvalue()


def test_verify_finds_a_removed_last_entry(shop):
    """Deleting the newest row is caught against the chain head."""
    audit_record(action="view", object_type="order", object_id="A1", hub=shop.hub)
    last = audit_record(action="view", object_type="order", object_id="A2", hub=shop.hub)
    _disable_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [last.pk])

    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=(out := __import__("io").StringIO()))
    assert "tail_missing" in out.getvalue()


def test_purge_removes_old_entries_and_the_chain_still_verifies(shop):
    """Retention removes a prefix of the chain, records it, and verification still passes."""
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    for days in (400, 390, 10):
        audit_record(action="view", object_type="order", hub=shop.hub, now=now - timedelta(days=days))

    assert audit_purge(before=now - timedelta(days=365), dry_run=True) == {f"hub:{shop.hub.pk}": 2}
    removed = audit_purge(before=now - timedelta(days=365))

    assert removed == {f"hub:{shop.hub.pk}": 2}
    kept = list(AuditEntry.objects.filter(hub=shop.hub).order_by("seq").values_list("seq", "action"))
    assert kept == [(3, "view"), (4, "purge")]
    call_command("audit", "verify", stdout=__import__("io").StringIO())


def _owner_and_clerk(shop):
    clerk = factories.user()
    HubStaff.objects.create(hub=shop.hub, user=clerk, role=HubRole.SUPPORT)
    return shop.operator, clerk


def test_export_caps_per_user_and_per_hub(shop, settings):
    """The user cap and the hub cap refuse the export that passes them, and the refusal is logged."""
    settings.PANIER_EXPORT_MAX_ROWS_PER_USER_DAY = 100
    settings.PANIER_EXPORT_MAX_ROWS_PER_HUB_DAY = 150
    settings.PANIER_EXPORT_ALERT_ROWS = 0
    settings.PANIER_EXPORT_NIGHT_HOURS = (0, 0)
    owner, clerk = _owner_and_clerk(shop)
    noon = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)

    export_record(actor=owner, hub=shop.hub, object_type="customers", rows=90, columns=["email"], now=noon)
    with pytest.raises(ExportCapReached) as user_cap:
        export_record(actor=owner, hub=shop.hub, object_type="customers", rows=11, columns=["email"], now=noon)
    export_record(actor=clerk, hub=shop.hub, object_type="customers", rows=60, columns=["email"], now=noon)
    with pytest.raises(ExportCapReached) as hub_cap:
        export_record(actor=clerk, hub=shop.hub, object_type="customers", rows=1, columns=["email"], now=noon)
    next_day = export_record(actor=owner, hub=shop.hub, object_type="customers", rows=90, columns=["email"],
                             now=noon + timedelta(days=1))

    assert (user_cap.value.code, user_cap.value.status, user_cap.value.params) == (
        "export_cap_reached", 429, {"reason": "user_cap"})
    assert hub_cap.value.params == {"reason": "hub_cap"}
    refused = AuditEntry.objects.filter(hub=shop.hub, changes__refused__isnull=False).count()
    assert refused == 2
    assert next_day.rows == 90


def test_export_alerts_the_owner_at_night_and_over_the_threshold(shop, settings, django_capture_on_commit_callbacks):
    """An export at 23:30 Paris time, or crossing the alert threshold, e-mails the hub owners."""
    settings.PANIER_EXPORT_ALERT_ROWS = 50
    settings.PANIER_EXPORT_NIGHT_HOURS = (22, 6)
    owner, clerk = _owner_and_clerk(shop)
    night = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    day = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

    with django_capture_on_commit_callbacks(execute=True):
        export_record(actor=clerk, hub=shop.hub, object_type="customers", rows=5, columns=["email"], now=night)
        export_record(actor=clerk, hub=shop.hub, object_type="customers", rows=10, columns=["email"], now=day)
        export_record(actor=clerk, hub=shop.hub, object_type="customers", rows=45, columns=["email"], now=day)

    assert [m.to for m in mail.outbox] == [[owner.email], [owner.email]]
    assert clerk.email in mail.outbox[0].body
    assert "23:30" in mail.outbox[0].body
