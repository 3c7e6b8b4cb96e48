"""Refuse UPDATE and DELETE on the audit log inside the database itself.

PostgreSQL: a row trigger raises on UPDATE, and on DELETE unless the
transaction set ``panier.audit_purge`` (only the retention purge does).
SQLite: a trigger raises on UPDATE; DELETE is refused by the model and
queryset guards (Django's test flush empties tables with DELETE).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('panier.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_auditentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_refuse_change();
"""
SQLITE_FORWARD = """
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry
BEGIN
    SELECT RAISE(ABORT, 'audit_auditentry is append-only: UPDATE refused');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS audit_entry_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
