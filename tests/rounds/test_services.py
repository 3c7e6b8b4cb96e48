import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from PIL import Image

from panier.fulfilment.services import LineResult, order_packing_finish
from panier.orders.models import OrderStatus
from panier.rounds import routing
from panier.rounds.errors import (
    BadCoordinates,
    GeocoderUnavailable,
    HubHasNoCoordinates,
    NoVehicle,
    ReasonRequired,
    RoundNotStarted,
    RoundsAlreadyStarted,
)
from panier.rounds.models import Round, RoundPlan, Stop
from panier.rounds.services import (
    order_geocode,
    order_set_coordinates,
    round_reoptimise,
    round_start,
    rounds_plan,
    stop_mark,
    stop_move,
)
from tests import factories
from tests.rounds.servers import ban_answer, closed_port_url, serving

pytestmark = pytest.mark.usefixtures("english")


def local(dt, hub):
    return dt.astimezone(ZoneInfo(hub.timezone))


def assert_within_windows(plan, hub):
    for stop in Stop.objects.filter(round__plan=plan).select_related("order__slot"):
        assert stop.order.slot.starts_at <= stop.eta <= stop.order.slot.ends_at, stop.order.number
        assert not stop.is_late


def test_plan_serves_every_located_order_in_its_window(routed, day):
    """Given 6 located orders in two windows and one van, planning gives one round with 6 stops, each on time."""
    result = rounds_plan(hub=routed.hub, day=day, solver_name="ortools")
    plan = result.plan
    assert plan.unserved == []
    rnd = plan.rounds.get()
    assert list(rnd.stops.values_list("position", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert_within_windows(plan, routed.hub)
    assert rnd.driving_s == result.solution.driving_s > 0
    assert rnd.crates == 6
    assert rnd.weight_g == 6 * 500
    assert plan.travel_source == "straight-line 30 km/h"


@pytest.mark.parametrize("solver", ["vroom", "nearest"])
def test_other_solvers_plan_the_same_day(routed, day, solver):
    """VROOM and the nearest-neighbour baseline also plan every order within its window."""
    plan = rounds_plan(hub=routed.hub, day=day, solver_name=solver).plan
    assert (plan.solver, plan.unserved, Stop.objects.filter(round__plan=plan).count()) == (solver, [], 6)
    assert_within_windows(plan, routed.hub)


def test_orders_left_out_are_reported_with_their_reason(routed, day):
    """An order without coordinates and one too heavy for the van are listed with the reason; planning again replaces the plan."""
    orders = routed.extra["orders"]
    orders[0].latitude = orders[0].longitude = None
    orders[0].save(update_fields=["latitude", "longitude"])
    van = routed.extra["van"]
    first = rounds_plan(hub=routed.hub, day=day).plan
    van.capacity_crates = 4
    van.save()
    plan = rounds_plan(hub=routed.hub, day=day).plan
    assert not RoundPlan.objects.filter(pk=first.pk).exists()
    reasons = {u["number"]: u["reason"] for u in plan.unserved}
    assert reasons[orders[0].number] == routing.NO_COORDINATES
    assert sorted(reasons.values()) == [routing.NO_COORDINATES, routing.NO_ROOM_LEFT]
    assert plan.rounds.get().crates == 4


def test_capacity_from_packed_bags_and_weights(routed, day):
    """A packed order counts its bags; an order heavier than any van is reported 'too heavy'."""
    orders = routed.extra["orders"]
    order_packing_finish(order_id=orders[1].pk, lines=[LineResult(orders[1].lines.get().pk)], bags=3)
    van = routed.extra["van"]
    van.capacity_kg = 40
    van.save()
    heavy = factories.located_order(routed, routed.extra["morning"], "43.70", "7.26", items=((0, 99),))
    plan = rounds_plan(hub=routed.hub, day=day).plan
    assert plan.unserved == [{"order_id": heavy.pk, "number": heavy.number, "reason": routing.TOO_HEAVY}]
    assert plan.rounds.get().crates == 6 - 1 + 3


def test_plan_on_dst_change_day(shop):
    """On the day clocks go back (31 Oct 2027, Paris), a 09:00–11:00 slot still gets an ETA between 09:00 and 11:00 local."""
    hub = shop.hub
    hub.latitude, hub.longitude = "43.710200", "7.262000"
    hub.save()
    factories.vehicle(hub)
    dst_day = date(2027, 10, 31)
    slot = factories.day_slot(hub, dst_day, 9, 11)
    order = factories.located_order(shop, slot, "43.700300", "7.262000")
    plan = rounds_plan(hub=hub, day=dst_day).plan
    stop = Stop.objects.get(round__plan=plan)
    assert stop.order_id == order.pk
    eta = local(stop.eta, hub)
    assert time(9, 0) <= eta.time() <= time(11, 0)
    assert eta.date() == dst_day
    rnd = plan.rounds.get()
    assert local(rnd.depart_at, hub) < eta < local(rnd.return_at, hub)


def test_plan_needs_hub_coordinates_and_a_vehicle(shop, day):
    """Without hub coordinates or without a vehicle, planning fails with a clear error."""
    with pytest.raises(HubHasNoCoordinates):
        rounds_plan(hub=shop.hub, day=day)
    shop.hub.latitude, shop.hub.longitude = "43.71", "7.26"
    shop.hub.save()
    with pytest.raises(NoVehicle):
        rounds_plan(hub=shop.hub, day=day)


def test_routing_server_down_falls_back_with_warning(routed, day, settings):
    """With an OSRM URL that refuses connections, the plan uses straight lines and says why."""
    settings.PANIER_ROUNDS_OSRM_URL = closed_port_url()
    settings.PANIER_ROUNDS_HTTP_TIMEOUT_S = 1
    plan = rounds_plan(hub=routed.hub, day=day).plan
    assert plan.travel_source == "straight-line 30 km/h (fallback)"
    assert plan.warnings[0].startswith("OSRM at http://127.0.0.1")
    assert Stop.objects.filter(round__plan=plan).count() == 6


def test_coordinates_by_hand_and_by_geocoder(routed, settings):
    """Typed coordinates are checked; the address API fills them in; when it is down, a clear error and nothing changes."""
    order = routed.extra["orders"][0]
    with pytest.raises(BadCoordinates):
        order_set_coordinates(order=order, latitude="91", longitude="7")
    with pytest.raises(BadCoordinates):
        order_set_coordinates(order=order, latitude="abc", longitude="7")
    with pytest.raises(BadCoordinates):
        order_set_coordinates(order=order, latitude="NaN", longitude="7")
    order_set_coordinates(order=order, latitude="43,7001", longitude=" 7.2601 ")
    order.refresh_from_db()
    assert (str(order.latitude), str(order.longitude)) == ("43.700100", "7.260100")
    with serving(ban_answer) as url:
        settings.PANIER_GEOCODER_URL = url
        order_geocode(order=order)
    order.refresh_from_db()
    assert (str(order.latitude), str(order.longitude)) == ("43.700300", "7.262000")
    settings.PANIER_GEOCODER_URL = closed_port_url()
    settings.PANIER_ROUNDS_HTTP_TIMEOUT_S = 1
    with pytest.raises(GeocoderUnavailable):
        order_geocode(order=order)
    settings.PANIER_GEOCODER_URL = ""
    with pytest.raises(GeocoderUnavailable):
        order_geocode(order=order)
    order.refresh_from_db()
    assert str(order.latitude) == "43.700300"


def test_move_stop_and_reoptimise(routed, day):
    """Moving a stop to the other van renumbers both rounds and updates their totals; re-optimising keeps every stop."""
    factories.vehicle(routed.hub, name="Van B")
    plan = rounds_plan(hub=routed.hub, day=day).plan
    rounds = list(plan.rounds.order_by("vehicle__name"))
    source = max(rounds, key=lambda r: r.stops.count())
    target = next(r for r in rounds if r.pk != source.pk)
    before = (source.stops.count(), target.stops.count())
    stop = source.stops.order_by("position").first()
    stop_move(hub=routed.hub, stop_id=stop.pk, round_id=target.pk)
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.stops.count(), target.stops.count()) == (before[0] - 1, before[1] + 1)
    assert list(source.stops.values_list("position", flat=True)) == list(range(1, before[0]))
    assert target.stops.get(pk=stop.pk).position == before[1] + 1
    assert target.crates == before[1] + 1
    round_reoptimise(hub=routed.hub, round_id=target.pk)
    target.refresh_from_db()
    assert sorted(target.stops.values_list("position", flat=True)) == list(range(1, before[1] + 2))
    other = factories.make_shop()
    with pytest.raises(Exception, match="does not exist"):
        stop_move(hub=other.hub, stop_id=stop.pk, round_id=source.pk)


def test_driver_flow(routed, day, django_capture_on_commit_callbacks):
    """Starting a round sends its ready orders out; a delivered stop delivers the order, a failed one needs a reason and returns it to ready."""
    orders = routed.extra["orders"]
    for o in orders:
        order_packing_finish(order_id=o.pk, lines=[LineResult(o.lines.get().pk)], bags=1)
    plan = rounds_plan(hub=routed.hub, day=day).plan
    rnd = plan.rounds.get()
    first, second = list(rnd.stops.order_by("position"))[:2]
    with pytest.raises(RoundNotStarted):
        stop_mark(hub=routed.hub, stop_id=first.pk, delivered=True)
    round_start(hub=routed.hub, round_id=rnd.pk)
    with pytest.raises(RoundsAlreadyStarted):
        rounds_plan(hub=routed.hub, day=day)
    assert {o.status for o in type(orders[0]).objects.filter(pk__in=[o.pk for o in orders])} == {OrderStatus.OUT_FOR_DELIVERY}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        stop_mark(hub=routed.hub, stop_id=first.pk, delivered=True)
    first.refresh_from_db()
    assert (first.status, first.order.status) == ("delivered", OrderStatus.DELIVERED)
    with pytest.raises(ReasonRequired):
        stop_mark(hub=routed.hub, stop_id=second.pk, delivered=False, reason="  ")
    jpeg = io.BytesIO()
    Image.new("RGB", (4, 4), "grey").save(jpeg, "JPEG")
    photo = SimpleUploadedFile("door.jpg", jpeg.getvalue(), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        stop_mark(hub=routed.hub, stop_id=second.pk, delivered=False, reason="Nobody home", photo=photo)
    second.refresh_from_db()
    assert (second.status, second.failure_reason, second.order.status) == ("failed", "Nobody home", OrderStatus.READY)
    assert second.photo.name.startswith("rounds/")
    assert [m.subject for m in mail.outbox] == [
        # Customer e-mails speak the language the order was placed in.
        f"Votre commande {first.order.number} a été livrée",
        f"Nous n'avons pas pu livrer votre commande {second.order.number}",
    ]
    assert "Nobody home" in mail.outbox[1].body


def test_cli_prints_rounds_and_totals(routed, day, capsys):
    """`panier rounds plan --hub HUB --date D` prints each round's stops and the totals."""
    call_command("rounds", "plan", "--hub", routed.hub.slug, "--date", day.isoformat())
    out = capsys.readouterr().out
    assert f"Rounds of {routed.hub.slug} on {day.isoformat()}" in out
    assert "Van A: 6 stops, 3.0 kg, 6 bags" in out
    assert "Total: 6 stops in 1 rounds" in out
    for o in routed.extra["orders"]:
        assert o.number in out
    with pytest.raises(CommandError, match="--date"):
        call_command("rounds", "plan", "--hub", routed.hub.slug, "--date", "31/12/2026")
    with pytest.raises(CommandError, match="no hub"):
        call_command("rounds", "plan", "--hub", "nope", "--date", day.isoformat())
    Round.objects.all().delete()
    type(routed.extra["van"]).objects.all().delete()
    with pytest.raises(CommandError, match="no_vehicle"):
        call_command("rounds", "plan", "--hub", routed.hub.slug, "--date", day.isoformat())


def test_same_datetime_helpers_roundtrip():
    """Wall-clock seconds convert back to the same local time, also across the spring DST change."""
    from panier.rounds.services import _instant, _midnight, _seconds

    midnight = _midnight(date(2027, 3, 28), "Europe/Paris")
    at_ten = datetime(2027, 3, 28, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert _seconds(at_ten, midnight) == 36000
    assert _instant(36000, midnight) == at_ten


def test_eta_emails_the_evening_before(routed, day, django_capture_on_commit_callbacks, capsys):
    """Each planned stop's customer gets one e-mail with a 1-hour window inside the booked slot; a second run sends nothing."""
    from panier.rounds.services import eta_window

    rounds_plan(hub=routed.hub, day=day)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rounds", "notify-eta", "--hub", routed.hub.slug, "--date", day.isoformat())
    assert "6 arrival window e-mail(s) sent" in capsys.readouterr().out
    assert len(mail.outbox) == 6
    for stop in Stop.objects.select_related("order__slot"):
        start, end = eta_window(eta=stop.eta, slot_start=stop.order.slot.starts_at, slot_end=stop.order.slot.ends_at)
        assert stop.order.slot.starts_at <= start < end <= stop.order.slot.ends_at
        assert end - start == (end - start).__class__(hours=1)
        body = next(m.body for m in mail.outbox if stop.order.number in m.body)
        assert f"entre {local(start, routed.hub):%H:%M} et {local(end, routed.hub):%H:%M}" in body
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rounds", "notify-eta", "--hub", routed.hub.slug, "--date", day.isoformat())
    assert len(mail.outbox) == 6
