"""The customer's choice for missing items, from checkout to the packing screen."""

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from panier.orders.models import Order
from tests import factories
from tests.checkout.test_views import basket_in_session, hub_url, to_review

pytestmark = pytest.mark.usefixtures("english")


def place(client, shop, **choice):
    basket_in_session(client, shop, (0, 2))
    review = to_review(client, shop)
    assert 'name="substitutions" value="refund"' in review.content.decode()
    response = client.post(
        hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on", **choice}
    )
    assert response.status_code == 302
    return Order.objects.get()


@pytest.mark.parametrize(
    ("choice", "expected"),
    [({}, False), ({"substitutions": "refund"}, False), ({"substitutions": "substitute"}, True)],
)
def test_checkout_stores_the_choice_and_defaults_to_refund(client, shop, choice, expected):
    """Only an explicit "substitute" gives consent; no answer means refund."""
    order = place(client, shop, **choice)

    assert order.allow_substitutions is expected


def test_packing_offers_substitution_only_with_consent(client, shop):
    """Without consent the packing screen hides "substituted" and refuses it when posted; with it, it accepts."""
    refused = factories.placed_order(shop, [(0, 2)])
    accepted = factories.placed_order(shop, [(0, 2)], allow_substitutions=True)
    factories.login_staff(client, shop.operator)
    # The board lists a day of the hub's calendar (the slot's UTC date differs late in the evening).
    day = timezone.localtime(refused.slot.starts_at, ZoneInfo(shop.hub.timezone)).date().isoformat()

    board = client.get(reverse("packing:day", kwargs={"hub_slug": shop.hub.slug}) + f"?day={day}").content.decode()
    assert "Refund" in board
    assert "Substitute" in board
    page = client.get(reverse("packing:order", kwargs={"hub_slug": shop.hub.slug, "number": refused.number}))
    line = refused.lines.get()
    assert f'name="outcome-{line.pk}" value="substituted"' not in page.content.decode()
    finish = reverse("packing:finish", kwargs={"hub_slug": shop.hub.slug, "number": refused.number})
    response = client.post(finish, {f"outcome-{line.pk}": "substituted", f"substitute-{line.pk}": "Brebis", "bags": "1"})

    assert response.status_code == 409
    assert "did not accept substitutions" in response.content.decode()
    refused.refresh_from_db()
    assert refused.status == "paid"

    other = accepted.lines.get()
    finish = reverse("packing:finish", kwargs={"hub_slug": shop.hub.slug, "number": accepted.number})
    done = client.post(finish, {f"outcome-{other.pk}": "substituted", f"substitute-{other.pk}": "Brebis", "bags": "1"})
    assert done.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == "ready"


def test_a_tampered_choice_places_nothing(client, shop):
    """A value that is not offered is refused with the recap shown again."""
    basket_in_session(client, shop, (0, 2))
    review = to_review(client, shop)

    response = client.post(
        hub_url(shop, "checkout:review"),
        {"checkout_token": review.context["token"], "accepted_terms": "on", "substitutions": "whatever"},
    )

    assert response.status_code == 400
    assert not Order.objects.exists()


def test_customers_see_upcoming_closures_with_their_reason(client, shop):
    """The slot step lists the hub's coming closures and why."""
    from datetime import timedelta

    from django.utils import timezone

    from panier.delivery.models import Closure

    today = timezone.localdate()
    Closure.objects.create(hub=shop.hub, first_day=today + timedelta(days=8), last_day=today + timedelta(days=12),
                           reason="Summer holidays")
    Closure.objects.create(hub=shop.hub, first_day=today - timedelta(days=9), last_day=today - timedelta(days=2),
                           reason="Past break")
    basket_in_session(client, shop, (0, 1))

    page = client.get(hub_url(shop, "checkout:start")).content.decode()

    assert "Closed on these days:" in page
    assert "Summer holidays" in page
    assert "Past break" not in page
