"""Back-office pages write audit entries; the audit page is for hub owners only."""

from datetime import date

import pytest
from django.urls import reverse

from panier.audit.models import AuditEntry
from panier.audit.services import audit_record
from panier.hubs.models import HubRole, HubStaff
from tests import factories

pytestmark = pytest.mark.usefixtures("english")


def test_order_page_and_status_change_are_logged(client, shop):
    """Viewing an order and changing its status each add one entry with the fields concerned."""
    order = factories.placed_order(shop, [(0, 1)])
    factories.login_staff(client, shop.operator)

    client.get(reverse("operator:order_detail", kwargs={"hub_slug": shop.hub.slug, "number": order.number}))
    client.post(reverse("operator:order_transition", kwargs={"hub_slug": shop.hub.slug, "number": order.number}),
                {"target": "in_preparation"})

    entries = list(AuditEntry.objects.filter(hub=shop.hub).order_by("seq").values_list(
        "action", "object_type", "object_id", "actor_id", "changes"))
    assert entries == [
        ("view", "order", order.number, shop.operator.pk, {}),
        ("change", "order", order.number, shop.operator.pk, {"status": ["paid", "in_preparation"]}),
    ]


def test_producer_order_page_is_logged(client, shop):
    """A producer opening an order that names the customer leaves an entry in the hub's log."""
    order = factories.placed_order(shop, [(0, 1)])
    factories.login_staff(client, shop.producer_user)

    response = client.get(reverse("producer:order_detail",
                                  kwargs={"producer_id": shop.producers[0].pk, "number": order.number}))

    assert response.status_code == 200
    entry = AuditEntry.objects.get(hub=shop.hub)
    assert (entry.action, entry.object_id, entry.actor_id) == ("view", order.number, shop.producer_user.pk)


def test_audit_page_lists_filters_and_charts(client, shop):
    """The owner sees the entries, can filter them by action, and gets an SVG chart."""
    audit_record(action="view", object_type="order", object_id="NICE-1", hub=shop.hub, actor=shop.operator)
    audit_record(action="export", object_type="customers", hub=shop.hub, actor=shop.operator, rows=12)
    factories.login_staff(client, shop.operator)
    url = reverse("audit:log", kwargs={"hub_slug": shop.hub.slug})

    everything = client.get(url)
    exports = client.get(url, {"action": "export"})
    bad = client.get(url, {"since": "yesterday"})

    assert everything.status_code == 200
    assert b"NICE-1" in everything.content
    assert b"<svg" in everything.content
    assert b"12 rows exported" in everything.content
    assert b"NICE-1" not in exports.content
    assert b"customers" in exports.content
    assert bad.status_code == 400
    assert b"Enter a date like" in bad.content


def test_audit_page_is_hidden_from_other_staff_and_hubs(client, shop):
    """A support clerk of the hub gets 403; the owner of another hub gets 404."""
    clerk = factories.user()
    HubStaff.objects.create(hub=shop.hub, user=clerk, role=HubRole.SUPPORT)
    other = factories.make_shop()
    url = reverse("audit:log", kwargs={"hub_slug": shop.hub.slug})

    factories.login_staff(client, clerk)
    assert client.get(url).status_code == 403
    factories.login_staff(client, other.operator)
    assert client.get(url).status_code == 404


def test_exports_are_counted_on_the_hubs_calendar_day(shop):
    """An export at 23:30 UTC is at 00:30 in Paris: it counts for the hub's new day, which the chart includes."""
    import time_machine

    from panier.audit.selectors import exports_per_day

    with time_machine.travel("2026-11-24 23:30:00+00:00", tick=False):
        audit_record(action="export", object_type="customers", hub=shop.hub, actor=shop.operator, rows=7)

    days = exports_per_day(hub=shop.hub, today=date(2026, 11, 25), days=2)

    assert [(d.day, d.rows) for d in days] == [(date(2026, 11, 24), 0), (date(2026, 11, 25), 7)]


def test_late_evening_exports_show_on_the_page(client, shop):
    """At 23:30 UTC (00:30 in Paris) the page counts the export just made: its day is the hub's today."""
    import time_machine

    with time_machine.travel("2026-11-24 23:30:00+00:00", tick=True):
        audit_record(action="export", object_type="customers", hub=shop.hub, actor=shop.operator, rows=9)
        factories.login_staff(client, shop.operator)
        page = client.get(reverse("audit:log", kwargs={"hub_slug": shop.hub.slug}))

    assert b"9 rows exported" in page.content
