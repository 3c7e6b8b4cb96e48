from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from panier.hubs.models import HubStaff
from panier.inventory.models import Stock
from panier.orders.models import Order, OrderEvent, OrderStatus
from panier.orders.services import order_transition
from tests import factories


@pytest.fixture(autouse=True)
def _french():
    """Pages and reversed URLs in the default language, whatever ran before."""
    with translation.override("fr"):
        yield


def board_url(hub, **query):
    base = reverse("operator:board", kwargs={"hub_slug": hub.slug})
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


def detail_url(hub, order):
    return reverse("operator:order_detail", kwargs={"hub_slug": hub.slug, "number": order.number})


def transition_url(hub, order):
    return reverse("operator:order_transition", kwargs={"hub_slug": hub.slug, "number": order.number})


def slot_day(shop):
    return shop.delivery_slot.starts_at.astimezone(ZoneInfo(shop.hub.timezone)).date()


@pytest.fixture
def operator(client, shop):
    factories.login_staff(client, shop.operator)
    return shop.operator


def test_index_goes_to_the_operators_hub(client, shop, operator):
    """Staff of one hub land on its board."""
    response = client.get(reverse("operator:index"))

    assert response.status_code == 302
    assert response.url == board_url(shop.hub)


def test_board_lists_orders_per_slot_with_counts(client, shop, operator, django_assert_max_num_queries):
    """The day's slots show their orders and how many there are per state."""
    delivered = [factories.placed_order(shop, [(0, 1)]) for _ in range(3)]
    pickup = factories.placed_order(shop, [(1, 1)], pickup=True)
    unpaid = factories.placed_order(shop, [(0, 1)], paid=False)

    with django_assert_max_num_queries(10):
        response = client.get(board_url(shop.hub, day=f"{slot_day(shop):%Y-%m-%d}"))

    board = response.context["board"]
    rows = {row.slot.pk: row for row in board.slots}
    body = response.content.decode()
    assert response.status_code == 200
    assert rows[shop.delivery_slot.pk].total == 4
    assert rows[shop.pickup_slot.pk].total == 1
    assert dict(rows[shop.delivery_slot.pk].by_status) == {OrderStatus.PAID.label: 3, OrderStatus.PENDING_PAYMENT.label: 1}
    for order in [*delivered, pickup, unpaid]:
        assert order.number in body
    assert board.total == 5


def test_board_query_count_does_not_grow_with_orders(client, shop, operator, django_assert_max_num_queries):
    """Fifteen orders load in the same few queries as one."""
    for _ in range(10):
        factories.placed_order(shop, [(0, 1)])
    for _ in range(5):
        factories.placed_order(shop, [(1, 1)], pickup=True)

    with django_assert_max_num_queries(10):
        response = client.get(board_url(shop.hub, day=f"{slot_day(shop):%Y-%m-%d}"))

    assert response.context["board"].total == 15


def test_board_filters_by_status(client, shop, operator):
    """With a status filter only those orders are listed; the counts still cover all."""
    paid = factories.placed_order(shop, [(0, 1)])
    unpaid = factories.placed_order(shop, [(0, 1)], paid=False)

    response = client.get(board_url(shop.hub, day=f"{slot_day(shop):%Y-%m-%d}", status="pending_payment"))

    body = response.content.decode()
    assert unpaid.number in body
    assert paid.number not in body
    assert response.context["board"].total == 2
    assert response.context["board"].shown == 1


def test_board_with_a_bad_date_or_status_answers_without_error(client, shop, operator):
    """A malformed date is a 400 showing today's board; an unknown status is ignored."""
    bad_day = client.get(board_url(shop.hub, day="31-12-2025"))
    bad_status = client.get(board_url(shop.hub, status="lost"))

    assert bad_day.status_code == 400
    assert bad_status.status_code == 200
    assert bad_status.context["status"] == ""


def test_order_detail_shows_lines_contact_transitions_and_history(client, shop, operator, django_assert_max_num_queries):
    """The detail shows what was bought, how to reach the customer and the allowed moves."""
    order = factories.placed_order(shop, [(0, 2), (1, 1)])

    # 8 for the page, 5 for its audit entry (3 once the hub's chain exists),
    # the session's second factor, the hub role and the order's payment.
    with django_assert_max_num_queries(17):
        response = client.get(detail_url(shop.hub, order))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Tomme de chèvre" in body
    assert "Miel de lavande" in body
    assert "alice@example.org" in body
    assert "+33612345678" in body
    assert "5 rue Rossini" in body
    assert [t for t, _ in response.context["targets"]] == ["in_preparation", "cancelled", "refunded"]
    assert 'value="in_preparation"' in body
    assert 'value="ready_for_pickup"' not in body


def test_transition_changes_the_state_and_records_who(client, shop, operator):
    """A button press moves the order and the history names the operator and the note."""
    order = factories.placed_order(shop, [(0, 1)])

    response = client.post(transition_url(shop.hub, order), {"target": "in_preparation", "note": "started"})

    order.refresh_from_db()
    event = OrderEvent.objects.filter(order=order).last()
    assert response.status_code == 302
    assert order.status == OrderStatus.IN_PREPARATION
    assert (event.actor, event.from_status, event.to_status, event.note) == (
        operator, "paid", "in_preparation", "started"
    )
    page = client.get(detail_url(shop.hub, order)).content.decode()
    assert operator.email in page
    assert "started" in page


def test_pickup_order_goes_ready_for_pickup_not_out_for_delivery(client, shop, operator):
    """A pickup order offers "ready for pickup" and refuses "out for delivery"."""
    order = factories.placed_order(shop, [(0, 1)], pickup=True)
    order_transition(order_id=order.pk, target="in_preparation")
    order_transition(order_id=order.pk, target="ready")

    targets = [t for t, _ in client.get(detail_url(shop.hub, order)).context["targets"]]
    refused = client.post(transition_url(shop.hub, order), {"target": "out_for_delivery"})

    assert targets == ["ready_for_pickup", "cancelled", "refunded"]
    assert refused.status_code == 409
    order.refresh_from_db()
    assert order.status == OrderStatus.READY


def test_cancel_gives_back_the_stock(client, shop, operator):
    """Cancelling from the board releases the reserved units."""
    order = factories.placed_order(shop, [(0, 3)])

    client.post(transition_url(shop.hub, order), {"target": "cancelled"})

    assert Stock.objects.get(variant=shop.variant(0)).remaining == 10


@pytest.mark.parametrize("target", ["delivered", "nonsense", ""])
def test_a_refused_transition_is_a_message_not_a_500(client, shop, operator, target):
    """A move the pipeline does not allow answers 409 with the reason and changes nothing."""
    order = factories.placed_order(shop, [(0, 1)])

    response = client.post(transition_url(shop.hub, order), {"target": target})

    order.refresh_from_db()
    assert response.status_code == 409
    assert response.context["error"]
    assert 'role="alert"' in response.content.decode()
    assert order.status == OrderStatus.PAID


def test_transition_needs_a_post(client, shop, operator):
    """GET on the transition URL changes nothing."""
    order = factories.placed_order(shop, [(0, 1)])

    assert client.get(transition_url(shop.hub, order)).status_code == 405


def test_board_is_closed_to_anonymous_visitors_and_customers(client, shop):
    """Anonymous visitors must log in; customers and producers are refused."""
    order = factories.placed_order(shop, [(0, 1)])
    anonymous = client.get(board_url(shop.hub))
    factories.login_staff(client, shop.producer_user)
    producer_index = client.get(reverse("operator:index"))
    producer_board = client.get(board_url(shop.hub))
    producer_detail = client.get(detail_url(shop.hub, order))
    producer_move = client.post(transition_url(shop.hub, order), {"target": "in_preparation"})

    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("accounts:login"))
    assert producer_index.status_code == 403
    assert (producer_board.status_code, producer_detail.status_code, producer_move.status_code) == (404, 404, 404)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_other_hubs_and_their_orders_are_404(client, shop):
    """Staff of another hub cannot open this hub's board, or its orders through their own hub."""
    order = factories.placed_order(shop, [(0, 1)])
    other = factories.make_shop()
    factories.login_staff(client, other.operator)

    board = client.get(board_url(shop.hub))
    detail = client.get(detail_url(shop.hub, order))
    through_own_hub = client.get(detail_url(other.hub, order))
    move = client.post(transition_url(other.hub, order), {"target": "in_preparation"})

    assert (board.status_code, detail.status_code, through_own_hub.status_code, move.status_code) == (404, 404, 404, 404)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_superuser_may_run_every_hub(client, shop):
    """A superuser picks among all hubs and may open any board."""
    other = factories.make_shop()
    admin = factories.user(is_superuser=True, is_staff=True)
    factories.login_staff(client, admin)

    index = client.get(reverse("operator:index"))

    assert index.status_code == 200
    assert board_url(shop.hub) in index.content.decode()
    assert board_url(other.hub) in index.content.decode()
    assert client.get(board_url(other.hub)).status_code == 200


def test_staff_of_two_hubs_choose(client, shop):
    """An operator of two hubs picks one."""
    other = factories.make_shop()
    HubStaff.objects.create(hub=other.hub, user=shop.operator)
    factories.login_staff(client, shop.operator)

    response = client.get(reverse("operator:index"))

    assert response.status_code == 200
    assert board_url(other.hub) in response.content.decode()
