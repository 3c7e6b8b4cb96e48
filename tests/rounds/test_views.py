import io

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from panier.fulfilment.services import LineResult, order_packing_finish
from panier.hubs.models import HubRole, HubStaff
from panier.orders.models import OrderStatus
from panier.rounds.models import Round, RoundPlan, Stop, Vehicle
from panier.rounds.services import rounds_plan
from tests import factories
from tests.rounds.servers import ban_answer, closed_port_url, serving

pytestmark = pytest.mark.usefixtures("english")


def day_url(hub, day):
    return reverse("rounds:day", kwargs={"hub_slug": hub.slug}) + f"?day={day.isoformat()}"


def test_day_page_plan_and_sheet(client, routed, day, django_assert_max_num_queries):
    """The operator plans the day from the page, sees rounds, map and stops, and prints a round sheet."""
    hub = routed.hub
    factories.login_staff(client, routed.operator)
    empty = client.get(day_url(hub, day))
    assert empty.status_code == 200
    assert "Plan the rounds" in empty.content.decode()
    response = client.post(reverse("rounds:plan", kwargs={"hub_slug": hub.slug}), {"day": day.isoformat()})
    assert response.status_code == 302
    with django_assert_max_num_queries(14):
        page = client.get(day_url(hub, day))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    path = html.split('<path d="', 1)[1].split('"', 1)[0]
    assert path.startswith("M")
    assert "," in path
    assert path.count("L") == 7
    for o in routed.extra["orders"]:
        assert o.number in html
    assert "Orders per slot" in html
    assert page.context["data"].slots[0][1:] == (3, 50)
    rnd = Round.objects.get(plan__hub=hub)
    with django_assert_max_num_queries(10):
        sheet = client.get(reverse("rounds:sheet", kwargs={"hub_slug": hub.slug, "round_id": rnd.pk}))
    assert sheet.status_code == 200
    assert sheet["Content-Type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(sheet.content)).pages[0].extract_text()
    first = rnd.stops.order_by("position").first().order
    assert first.number in text
    assert first.phone in text


def test_day_page_bad_input(client, routed, day):
    """A bad date answers 400 with a message; an unknown round 404; a planning error is shown, not a 500."""
    hub = routed.hub
    factories.login_staff(client, routed.operator)
    assert client.get(reverse("rounds:day", kwargs={"hub_slug": hub.slug}) + "?day=2026-13-45").status_code == 400
    assert client.get(reverse("rounds:sheet", kwargs={"hub_slug": hub.slug, "round_id": 999999})).status_code == 404
    Vehicle.objects.all().delete()
    response = client.post(reverse("rounds:plan", kwargs={"hub_slug": hub.slug}), {"day": day.isoformat()})
    assert response.status_code == 409
    assert "Add a vehicle" in response.content.decode()


def test_coordinates_form_and_vehicle_form(client, routed, day):
    """Coordinates typed for an order left out are saved (bad ones refused with 400); a vehicle is added by form."""
    hub = routed.hub
    order = routed.extra["orders"][0]
    order.latitude = order.longitude = None
    order.save()
    factories.login_staff(client, routed.operator)
    client.post(reverse("rounds:plan", kwargs={"hub_slug": hub.slug}), {"day": day.isoformat()})
    page = client.get(day_url(hub, day)).content.decode()
    assert "no coordinates" in page
    url = reverse("rounds:coordinates", kwargs={"hub_slug": hub.slug, "number": order.number})
    bad = client.post(url, {"day": day.isoformat(), "latitude": "200", "longitude": "7"})
    assert bad.status_code == 400
    down = client.post(url, {"day": day.isoformat(), "geocode": "1"})
    assert down.status_code == 503
    assert "enter coordinates" in down.content.decode()
    ok = client.post(url, {"day": day.isoformat(), "latitude": "43.7001", "longitude": "7.2601"})
    assert ok.status_code == 302
    order.refresh_from_db()
    assert str(order.latitude) == "43.700100"
    add = reverse("rounds:vehicle_add", kwargs={"hub_slug": hub.slug})
    refused = client.post(add, {"day": day.isoformat(), "name": "Bike", "capacity_kg": "40", "capacity_crates": "4",
                                "shift_start": "18:00", "shift_end": "08:00"})
    assert refused.status_code == 400
    assert client.post(add, {"day": day.isoformat(), "name": "Bike", "capacity_kg": "40", "capacity_crates": "4",
                             "shift_start": "08:00", "shift_end": "18:00"}).status_code == 302
    assert Vehicle.objects.filter(hub=hub, name="Bike").exists()


def test_move_and_reoptimise_by_form(client, routed, day):
    """A stop is moved to another van by form, and that van's round re-optimised."""
    hub = routed.hub
    factories.vehicle(hub, name="Van B")
    plan = rounds_plan(hub=hub, day=day).plan
    busy = max(plan.rounds.all(), key=lambda r: r.stops.count())
    other = plan.rounds.exclude(pk=busy.pk).get()
    stop = busy.stops.first()
    factories.login_staff(client, routed.operator)
    moved = client.post(reverse("rounds:stop_move", kwargs={"hub_slug": hub.slug, "stop_id": stop.pk}),
                        {"day": day.isoformat(), "round": str(other.pk)})
    assert moved.status_code == 302
    assert Stop.objects.get(pk=stop.pk).round_id == other.pk
    assert client.post(reverse("rounds:stop_move", kwargs={"hub_slug": hub.slug, "stop_id": stop.pk}),
                       {"day": day.isoformat(), "round": "x"}).status_code == 400
    again = client.post(reverse("rounds:reoptimise", kwargs={"hub_slug": hub.slug, "round_id": other.pk}), {"day": day.isoformat()})
    assert again.status_code == 302


def test_other_hub_staff_get_404(client, routed, day):
    """Staff of another hub get 404 on this hub's rounds pages and rounds."""
    plan = rounds_plan(hub=routed.hub, day=day).plan
    other = factories.make_shop()
    factories.login_staff(client, other.operator)
    assert client.get(day_url(routed.hub, day)).status_code == 404
    rnd = plan.rounds.first()
    assert client.get(reverse("rounds:sheet", kwargs={"hub_slug": routed.hub.slug, "round_id": rnd.pk})).status_code == 404
    assert client.get(reverse("rounds:sheet", kwargs={"hub_slug": other.hub.slug, "round_id": rnd.pk})).status_code == 404


def test_driver_page_flow(client, routed, day, django_assert_max_num_queries):
    """A logistics staff member starts the round on the phone page, sees the next stop, and marks it delivered or not."""
    hub = routed.hub
    for o in routed.extra["orders"]:
        order_packing_finish(order_id=o.pk, lines=[LineResult(o.lines.get().pk)], bags=1)
    rnd = rounds_plan(hub=hub, day=day).plan.rounds.get()
    driver = factories.user()
    HubStaff.objects.create(hub=hub, user=driver, role=HubRole.LOGISTICS)
    factories.login_staff(client, driver)
    index = client.get(reverse("driver:index", kwargs={"hub_slug": hub.slug}))
    assert index.status_code == 200
    url = reverse("driver:round", kwargs={"hub_slug": hub.slug, "round_id": rnd.pk})
    with django_assert_max_num_queries(10):
        page = client.get(url)
    first, second = list(rnd.stops.order_by("position"))[:2]
    assert first.order.number in page.content.decode()
    assert "Start the round" in page.content.decode()
    assert client.post(reverse("driver:start", kwargs={"hub_slug": hub.slug, "round_id": rnd.pk})).status_code == 302
    page = client.get(url).content.decode()
    assert f"geo:{first.order.latitude},{first.order.longitude}" in page
    mark = reverse("driver:mark", kwargs={"hub_slug": hub.slug, "round_id": rnd.pk, "stop_id": first.pk})
    assert client.post(mark, {"outcome": "delivered"}).status_code == 302
    first.order.refresh_from_db()
    assert first.order.status == OrderStatus.DELIVERED
    assert client.post(mark, {"outcome": "delivered"}).status_code == 409
    mark2 = reverse("driver:mark", kwargs={"hub_slug": hub.slug, "round_id": rnd.pk, "stop_id": second.pk})
    refused = client.post(mark2, {"outcome": "failed", "reason": ""})
    assert refused.status_code == 400
    assert "Say why" in refused.content.decode()
    not_image = SimpleUploadedFile("door.jpg", b"not an image", content_type="image/jpeg")
    assert client.post(mark2, {"outcome": "failed", "reason": "Gate closed", "photo": not_image}).status_code == 400
    photo = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(photo, "JPEG")
    upload = SimpleUploadedFile("door.jpg", photo.getvalue(), content_type="image/jpeg")
    assert client.post(mark2, {"outcome": "failed", "reason": "Gate closed", "photo": upload}).status_code == 302
    second.refresh_from_db()
    assert (second.status, second.order.status) == ("failed", OrderStatus.READY)
    assert second.photo.name.endswith(".jpg")


@pytest.mark.parametrize("role", [HubRole.SUPPORT, HubRole.ACCOUNTING])
def test_driver_page_needs_logistics_role(client, routed, day, role):
    """Hub staff without the logistics (or owner) role are refused the driver pages (403)."""
    rnd = rounds_plan(hub=routed.hub, day=day).plan.rounds.get()
    user = factories.user()
    HubStaff.objects.create(hub=routed.hub, user=user, role=role)
    factories.login_staff(client, user)
    assert client.get(reverse("driver:index", kwargs={"hub_slug": routed.hub.slug})).status_code == 403
    assert client.get(reverse("driver:round", kwargs={"hub_slug": routed.hub.slug, "round_id": rnd.pk})).status_code == 403
    assert RoundPlan.objects.count() == 1


def test_geocode_every_missing_address(client, routed, day, settings):
    """The button locates the orders without coordinates through the address API, lists the ones it cannot match, and reports a down service with 503."""
    hub = routed.hub
    orders = routed.extra["orders"]
    for o in orders[:2]:
        o.latitude = o.longitude = None
        o.save()
    orders[1].address_line1 = "nowhere"
    orders[1].save()
    factories.login_staff(client, routed.operator)
    url = reverse("rounds:geocode", kwargs={"hub_slug": hub.slug})
    settings.PANIER_GEOCODER_URL = closed_port_url()
    settings.PANIER_ROUNDS_HTTP_TIMEOUT_S = 1
    down = client.post(url, {"day": day.isoformat()})
    assert down.status_code == 503
    assert "enter coordinates" in down.content.decode()
    with serving(ban_answer) as api:
        settings.PANIER_GEOCODER_URL = api
        done = client.post(url, {"day": day.isoformat()}, follow=True)
    text = done.content.decode()
    assert f"Located: {orders[0].number}" in text
    assert f"Not found, enter coordinates: {orders[1].number}" in text
    orders[0].refresh_from_db()
    assert str(orders[0].latitude) == "43.700300"
