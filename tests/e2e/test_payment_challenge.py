"""A customer pays with a card that asks for 3-D Secure, in a real browser."""

import pytest

from panier.orders.models import Order, OrderStatus
from panier.payments.models import Payment, PaymentStatus
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_customer_approves_the_3ds_challenge_and_sees_the_confirmation(live_server, page, tmp_path):
    """Basket, checkout, card 4000 0027 6000 3184, the bank's challenge approved: the order is paid."""
    shop = factories.make_shop()
    cheese = shop.products[0]
    base = live_server.url

    page.goto(f"{base}/{shop.hub.slug}/p/{cheese.slug}/")
    form = page.locator("form.add-form").first
    form.locator("input[name=quantity]").fill("2")
    form.locator("button[type=submit]").click()
    # The page's script adds it and says so in place.
    page.locator("ul.messages li.msg-success").wait_for()
    page.goto(f"{base}/{shop.hub.slug}/checkout/")
    page.locator("input[name=fulfilment][value=pickup]").check()
    page.locator(f"#slot-{shop.pickup_slot.pk}").check()
    page.locator("input[name=email]").fill("client.3ds@example.org")
    page.locator("input[name=first_name]").fill("Inès")
    page.locator("input[name=last_name]").fill("Martin")
    page.locator("input[name=phone]").fill("06 12 34 56 78")
    page.locator("form.checkout-form button[type=submit]").click()
    page.locator("input[name=accepted_terms]").check()
    page.locator("button.order-button").click()

    page.locator("#card_number").fill("4000 0027 6000 3184")
    page.locator("button[name=action][value=pay]").click()
    page.locator("[data-testid=challenge]").wait_for()
    page.screenshot(path=str(tmp_path / "challenge.png"), full_page=True)
    page.locator("button[name=action][value=approve]").click()
    page.wait_for_load_state("domcontentloaded")

    order = Order.objects.get()
    assert order.number in page.locator("main").inner_text()
    assert order.status == OrderStatus.PAID
    payment = Payment.objects.get(reference=order.number)
    assert (payment.status, payment.amount_cents) == (PaymentStatus.AUTHORISED, order.total_cents)
