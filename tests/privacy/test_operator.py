"""Operator pages: the capped customer export and the breach register."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from panier.audit.models import AuditEntry
from panier.hubs.models import HubRole, HubStaff
from panier.privacy.models import Breach
from tests import factories

pytestmark = pytest.mark.usefixtures("english")


def _export_url(shop):
    return reverse("privacy_operator:customer_export", kwargs={"hub_slug": shop.hub.slug})


def test_owner_exports_customers_as_csv_and_it_is_recorded(client, shop, settings):
    """One row per customer e-mail, with the columns recorded in the audit log."""
    settings.PANIER_EXPORT_NIGHT_HOURS = (0, 0)
    factories.placed_order(shop, [(0, 1)], email="alice@example.org")
    factories.placed_order(shop, [(0, 1)], email="alice@example.org")
    factories.placed_order(shop, [(1, 1)], email="bob@example.org", first_name="Bob")
    factories.login_staff(client, shop.operator)

    response = client.post(_export_url(shop))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == ["email", "first_name", "last_name", "phone", "orders", "last_order_at"]
    assert [(r[0], r[1], r[4]) for r in rows[1:]] == [("alice@example.org", "Alice", "2"),
                                                      ("bob@example.org", "Bob", "1")]
    entry = AuditEntry.objects.get(hub=shop.hub, action="export")
    assert (entry.rows, entry.fields[0], entry.actor_id) == (2, "email", shop.operator.pk)


def test_export_over_the_cap_is_refused_and_reported(client, shop, settings, django_capture_on_commit_callbacks):
    """Past the daily cap the page answers 429 and the owner gets an e-mail."""
    settings.PANIER_EXPORT_MAX_ROWS_PER_USER_DAY = 1
    factories.placed_order(shop, [(0, 1)], email="alice@example.org")
    factories.placed_order(shop, [(0, 1)], email="bob@example.org")
    factories.login_staff(client, shop.operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_export_url(shop))

    assert response.status_code == 429
    assert b"daily export limit" in response.content
    assert "refusé" in mail.outbox[0].subject


def test_staff_without_the_export_right_get_403(client, shop):
    """A logistics clerk can neither open the export page nor the breach register."""
    clerk = factories.user()
    HubStaff.objects.create(hub=shop.hub, user=clerk, role=HubRole.LOGISTICS)
    factories.login_staff(client, clerk)

    assert client.post(_export_url(shop)).status_code == 403
    assert client.get(reverse("privacy_operator:breaches", kwargs={"hub_slug": shop.hub.slug})).status_code == 403


def test_breach_register_shows_the_72_hour_deadline(client, shop):
    """A breach recorded 70 h after detection shows 2 h left; an old unnotified one is overdue."""
    factories.login_staff(client, shop.operator)
    detected = timezone.localtime(timezone.now() - timedelta(hours=70)).replace(second=0, microsecond=0)
    new_url = reverse("privacy_operator:breach_new", kwargs={"hub_slug": shop.hub.slug})

    created = client.post(new_url, {
        "detected_at": detected.strftime("%Y-%m-%dT%H:%M"), "nature": "Laptop stolen",
        "data_categories": "names, e-mails", "people_affected": 120, "records_affected": 300, "risk": "risk",
    })
    Breach.objects.create(hub=shop.hub, detected_at=timezone.now() - timedelta(hours=80), nature="Misdirected mail",
                          data_categories="address", people_affected=1, created_at=timezone.now())
    page = client.get(reverse("privacy_operator:breaches", kwargs={"hub_slug": shop.hub.slug}))

    assert created.status_code == 302
    assert b"1 h 59 min left" in page.content or b"2 h 0 min left" in page.content
    assert b"overdue by 8 h" in page.content
    assert AuditEntry.objects.filter(hub=shop.hub, action="create", object_type="breach").count() == 1


def test_breach_notification_before_detection_is_refused(client, shop):
    """A CNIL notification dated before the detection is a form error (400)."""
    factories.login_staff(client, shop.operator)

    response = client.post(reverse("privacy_operator:breach_new", kwargs={"hub_slug": shop.hub.slug}), {
        "detected_at": "2026-03-02T09:00", "cnil_notified_at": "2026-03-01T09:00", "nature": "x",
        "data_categories": "y", "people_affected": 1, "records_affected": 1, "risk": "risk",
    })

    assert response.status_code == 400
    assert b"cannot come before the breach was detected" in response.content
    assert not Breach.objects.exists()
