"""SQL queries per request of a guest order: bounded, and the same for one line or many."""

import pytest
from django.urls import reverse
from django.utils import translation

from panier.orders.models import Order, OrderStatus
from panier.payments.models import Payment
from tests.checkout.test_views import basket_in_session, hub_url, step1

pytestmark = pytest.mark.usefixtures("english")

#: The most queries each step may run (session, hub, basket, … included).
#: No query runs per basket line, except placing the order: one
#: conditional UPDATE per stock row claimed (see PLACE_ORDER_PER_LINE).
BOUNDS = {
    "basket add": 10,
    "basket update": 7,
    "basket page": 4,
    "checkout page": 8,
    "details": 11,
    "recap": 9,
    "place order": 28,
    "sandbox pay": 7,
    "payment return": 39,
    "confirmation": 6,
}
PLACE_ORDER_PER_LINE = 1


def _guest_order(client, shop, items, assert_max, *, extra_variant):
    """Run every request of a guest order, each under its query bound."""
    basket_in_session(client, shop, *items)
    with assert_max(BOUNDS["basket add"]):
        added = client.post(hub_url(shop, "cart:add"), {"variant": shop.variant(extra_variant).pk, "quantity": 1})
    with assert_max(BOUNDS["basket page"]):
        page = client.get(added["Location"])
    with assert_max(BOUNDS["checkout page"]):
        start = client.get(hub_url(shop, "checkout:start"))
    with assert_max(BOUNDS["details"]):
        details = client.post(hub_url(shop, "checkout:start"), step1(shop))
    with assert_max(BOUNDS["recap"]):
        review = client.get(details["Location"])
    lines = len(items) + 1
    with assert_max(BOUNDS["place order"] + PLACE_ORDER_PER_LINE * lines):
        placed = client.post(
            hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"}
        )
    with assert_max(BOUNDS["sandbox pay"]):
        paid = client.post(placed["Location"], {"action": "pay", "card_number": "4242 4242 4242 4242"})
    with assert_max(BOUNDS["payment return"]):
        returned = client.get(paid["Location"])
    # The return shows the thank-you page; its own address shows it again later.
    number = Order.objects.latest("pk").number
    with translation.override("en"):
        confirmation_url = reverse("checkout:confirmation", kwargs={"hub_slug": shop.hub.slug, "number": number})
    with assert_max(BOUNDS["confirmation"]):
        confirmation = client.get(confirmation_url)
    statuses = [r.status_code for r in (added, page, start, details, review, placed, paid, returned, confirmation)]
    assert statuses == [302, 200, 200, 302, 200, 302, 302, 200, 200]
    assert f'data-order-number="{number}"' in returned.content.decode()
    assert f'data-order-number="{number}"' in confirmation.content.decode()


@pytest.mark.parametrize("deferred", [True, False])
@pytest.mark.parametrize("items", [((0, 1),), ((0, 2), (1, 1))], ids=["two lines", "three lines"])
def test_each_step_of_a_guest_order_stays_within_its_query_bound(
    client, shop, settings, django_assert_max_num_queries, items, deferred
):
    """Every request of the flow runs at most its bounded number of queries, whatever the basket holds."""
    settings.PANIER_INVOICE_PDF_ON_PAYMENT = False
    settings.PANIER_ORDER_FOLLOWUP_DEFERRED = deferred

    _guest_order(client, shop, items, django_assert_max_num_queries, extra_variant=2)

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert order.lines.count() == len(items) + 1
    assert Payment.objects.get().is_applied is True


def test_a_basket_update_stays_within_its_query_bound(client, shop, django_assert_max_num_queries):
    """Changing a quantity runs a bounded number of queries, then the basket page its own."""
    basket_in_session(client, shop, (0, 1), (1, 1))

    with django_assert_max_num_queries(BOUNDS["basket update"]):
        updated = client.post(hub_url(shop, "cart:update"), {"variant": shop.variant(0).pk, "quantity": 3})
    with django_assert_max_num_queries(BOUNDS["basket page"]):
        page = client.get(updated["Location"])

    assert updated.status_code == 302
    assert page.status_code == 200
    assert page.context["basket"].item_count == 4
