"""Background tasks of checkout (django-tasks, database backend by default)."""

from __future__ import annotations

from django_tasks import task

from panier.checkout.reconciliation import payments_reconcile


@task()
def payments_reconcile_task() -> int:
    """Reconcile the payments left pending; return the id of the report. Safe to run twice."""
    return payments_reconcile(trigger="task").pk
