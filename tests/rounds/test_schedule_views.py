"""Operator pages for schedules, closures, special days, zones and slot generation."""

import pytest
from django.urls import reverse

from panier.delivery.models import Closure, Schedule, Slot, SpecialDay, Zone
from tests import factories

pytestmark = pytest.mark.usefixtures("english")


def page_url(hub):
    return reverse("rounds:schedules", kwargs={"hub_slug": hub.slug})


def add_url(hub, section):
    return reverse("rounds:schedule_add", kwargs={"hub_slug": hub.slug, "section": section})


def delete_url(hub, section, pk):
    return reverse("rounds:schedule_delete", kwargs={"hub_slug": hub.slug, "section": section, "pk": pk})


SCHEDULE = {
    "schedule-kind": "delivery", "schedule-weekdays": ["2", "5"], "schedule-start_time": "09:00",
    "schedule-end_time": "12:00", "schedule-capacity": "12", "schedule-cutoff_days_before": "2",
    "schedule-cutoff_time": "18:00", "schedule-is_active": "on",
}


def test_operator_sets_up_a_schedule_and_generates_slots(client, shop, django_assert_max_num_queries):
    """A valid window is saved, then "Generate" creates the coming weeks' slots."""
    factories.login_staff(client, shop.operator)
    # Staff pages also read the session's second factor and the hub role.
    with django_assert_max_num_queries(14):
        assert client.get(page_url(shop.hub)).status_code == 200

    saved = client.post(add_url(shop.hub, "schedule"), SCHEDULE)
    generated = client.post(reverse("rounds:slots_generate", kwargs={"hub_slug": shop.hub.slug}), {"weeks": "2"})

    assert saved.status_code == 302
    schedule = Schedule.objects.get(hub=shop.hub)
    assert (schedule.weekdays, schedule.capacity) == ("25", 12)
    assert generated.status_code == 302
    assert Slot.objects.filter(hub=shop.hub).exclude(origin="").count() in (3, 4)
    page = client.get(page_url(shop.hub)).content.decode()
    assert "Slots: " in page
    assert "created" in page
    assert "Wednesday, Saturday" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"schedule-end_time": "08:00"}, "end_time", "The window must end after it starts"),
        ({"schedule-weekdays": []}, "weekdays", "Choose at least one weekday."),
        ({"schedule-kind": "pickup"}, "pickup_point", "Choose the pickup point of a pickup window."),
        ({"schedule-cutoff_days_before": "0", "schedule-cutoff_time": "10:00"}, "cutoff_time", "orders must close before"),
        ({"schedule-capacity": "-3"}, "capacity", "greater than or equal to 0"),
        ({"schedule-start_time": "25:00"}, "start_time", "Enter a valid time."),
    ],
)
def test_a_bad_schedule_is_refused_with_the_reason_on_its_field(client, shop, changes, field, message):
    factories.login_staff(client, shop.operator)

    response = client.post(add_url(shop.hub, "schedule"), {**SCHEDULE, **changes})

    assert response.status_code == 400
    errors = " ".join(response.context["forms"]["schedule"].errors[field])
    assert message in errors
    assert not Schedule.objects.exists()


def test_pickup_point_of_another_hub_is_refused(client, shop):
    other = factories.make_shop()
    factories.login_staff(client, shop.operator)

    response = client.post(
        add_url(shop.hub, "schedule"),
        {**SCHEDULE, "schedule-kind": "pickup", "schedule-pickup_point": str(other.pickup_point.pk)},
    )

    assert response.status_code == 400
    assert "pickup_point" in response.context["forms"]["schedule"].errors


def test_closures_and_special_days(client, shop):
    """A closure with its dates in the wrong order is refused; valid ones are listed with their reason."""
    factories.login_staff(client, shop.operator)
    bad = client.post(add_url(shop.hub, "closure"), {"closure-first_day": "2030-08-15", "closure-last_day": "2030-08-01", "closure-reason": "Holidays"})
    good = client.post(add_url(shop.hub, "closure"), {"closure-first_day": "2030-08-01", "closure-last_day": "2030-08-15", "closure-reason": "Summer holidays"})
    special = client.post(add_url(shop.hub, "special"), {
        "special-day": "2030-08-10", "special-kind": "delivery", "special-start_time": "10:00", "special-end_time": "12:00",
        "special-capacity": "5", "special-cutoff_days_before": "1", "special-cutoff_time": "12:00", "special-note": "Market day",
    })

    assert bad.status_code == 400
    assert "The last day cannot be before the first day." in bad.content.decode()
    assert good.status_code == special.status_code == 302
    page = client.get(page_url(shop.hub)).content.decode()
    assert "Summer holidays" in page
    assert "Market day" in page
    assert SpecialDay.objects.get().capacity == 5


def test_zones_by_polygon_and_radius(client, shop):
    """A polygon needs three points; a radius needs the hub's coordinates; zones with orders stay."""
    factories.login_staff(client, shop.operator)
    base = {"zone-name": "Port", "zone-priority": "50", "zone-fee_cents": "300", "zone-free_above_cents": ""}
    bad = client.post(add_url(shop.hub, "zone"), {**base, "zone-kind": "polygon", "zone-polygon_text": "43.7, 7.2\n43.8, 7.3"})
    no_hub_point = client.post(add_url(shop.hub, "zone"), {**base, "zone-kind": "radius", "zone-radius_m": "5000"})
    good = client.post(add_url(shop.hub, "zone"), {**base, "zone-kind": "polygon", "zone-polygon_text": "43.70, 7.25\n43.70, 7.28\n43.72, 7.28"})

    assert bad.status_code == 400
    assert "at least three" in bad.content.decode()
    assert no_hub_point.status_code == 400
    assert "coordinates" in " ".join(no_hub_point.context["forms"]["zone"].errors["kind"])
    assert good.status_code == 302
    assert Zone.objects.get(name="Port").polygon == [[43.70, 7.25], [43.70, 7.28], [43.72, 7.28]]
    factories.placed_order(shop, [(0, 1)])
    kept = client.post(delete_url(shop.hub, "zone", shop.zone.pk))
    assert kept.status_code == 409
    assert Zone.objects.filter(pk=shop.zone.pk).exists()


def test_other_hubs_and_bad_requests(client, shop):
    """Another hub's items answer 404, an unknown section 404, bad weeks 400; strangers are sent to log in."""
    other = factories.make_shop()
    closure = Closure.objects.create(hub=other.hub, first_day="2030-01-01", last_day="2030-01-02", reason="x")
    assert client.get(page_url(shop.hub)).status_code == 302
    factories.login_staff(client, shop.operator)

    assert client.get(page_url(other.hub)).status_code == 404
    assert client.post(delete_url(shop.hub, "closure", closure.pk)).status_code == 404
    assert client.post(add_url(shop.hub, "nothing")).status_code == 404
    bad_weeks = client.post(reverse("rounds:slots_generate", kwargs={"hub_slug": shop.hub.slug}), {"weeks": "abc"})
    assert bad_weeks.status_code == 400
    assert "1 to 52 weeks" in bad_weeks.content.decode()
    assert Closure.objects.filter(pk=closure.pk).exists()
    own = Closure.objects.create(hub=shop.hub, first_day="2030-01-01", last_day="2030-01-02", reason="y")
    assert client.post(delete_url(shop.hub, "closure", own.pk)).status_code == 302
    assert not Closure.objects.filter(pk=own.pk).exists()
