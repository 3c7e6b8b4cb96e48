"""The daily export cap holds when several exports run at the same moment."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from panier.audit.errors import ExportCapReached
from panier.audit.models import AuditEntry
from panier.audit.services import export_record
from tests import factories


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_exports_never_pass_the_daily_cap(settings):
    """Six threads export 30 rows each under a 100-row cap: exactly three succeed."""
    settings.PANIER_EXPORT_MAX_ROWS_PER_USER_DAY = 100
    settings.PANIER_EXPORT_NIGHT_HOURS = (0, 0)
    settings.PANIER_EXPORT_ALERT_ROWS = 0
    hub = factories.hub()
    user = factories.user()
    noon = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []
    lock = threading.Lock()

    def export() -> None:
        try:
            barrier.wait()
            export_record(actor=user, hub=hub, object_type="customers", rows=30, columns=["email"], now=noon)
            result = "ok"
        except ExportCapReached as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=export) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["export_cap_reached"] * 3 + ["ok"] * 3
    exported = sum(AuditEntry.objects.filter(hub=hub, action="export").values_list("rows", flat=True))
    assert exported == 90
    assert list(AuditEntry.objects.filter(hub=hub).order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]
