"""The checkout pages over HTTP: details, recap, order button, payment, confirmation."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from panier.cart.models import CartLine
from panier.cart.services import cart_add, cart_create
from panier.cart.session import SESSION_KEY
from panier.checkout.views import basket_url
from panier.delivery.models import SlotKind
from panier.inventory.models import Stock
from panier.orders.models import Order, OrderStatus
from panier.payments.models import Payment
from tests import factories


def url(name, **kwargs):
    """Reverse an English URL, so that pages answer in English."""
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


def hub_url(shop, name, **kwargs):
    return url(name, hub_slug=shop.hub.slug, **kwargs)


def basket_in_session(client, shop, *items):
    """Fill an anonymous basket and give its token to the client's session."""
    cart = cart_create(hub=shop.hub)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    session = client.session
    session[SESSION_KEY] = {str(shop.hub.pk): str(cart.token)}
    factories.save_session(client, session)
    return cart


def step1(shop, **kw):
    data = dict(
        fulfilment="delivery",
        address_line1="5 rue Rossini",
        address_line2="",
        postal_code="06000",
        city="Nice",
        delivery_notes="Code 1234",
        slot=str(shop.delivery_slot.pk),
        email="alice@example.org",
        first_name="Alice",
        last_name="Durand",
        phone="06 12 34 56 78",
    )
    data.update(kw)
    return data


def to_review(client, shop, **kw):
    """Post step 1 and open the recap; return the recap response."""
    response = client.post(hub_url(shop, "checkout:start"), step1(shop, **kw))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == hub_url(shop, "checkout:review")
    return client.get(hub_url(shop, "checkout:review"))


def stock(shop, index):
    return Stock.objects.get(variant=shop.variant(index)).remaining


def test_full_flow_from_details_to_confirmation(client, shop, django_capture_on_commit_callbacks):
    """Details, recap, order button, sandbox card 4242, return: the order is paid and e-mailed."""
    basket_in_session(client, shop, (0, 2), (1, 1))

    start = client.get(hub_url(shop, "checkout:start"))
    review = to_review(client, shop)
    token = review.context["token"]
    placed = client.post(hub_url(shop, "checkout:review"), {"checkout_token": token, "accepted_terms": "on"})
    order = Order.objects.get()
    payment = Payment.objects.get()
    paid = client.post(placed["Location"], {"action": "pay", "card_number": "4242 4242 4242 4242"})
    with django_capture_on_commit_callbacks(execute=True):
        returned = client.get(paid["Location"])
    # The thank-you page's own address shows it again from the session.
    confirmation = client.get(hub_url(shop, "checkout:confirmation", number=order.number))

    assert start.status_code == 200
    assert 'name="slot"' in start.content.decode()
    assert review.status_code == 200
    page = review.content.decode()
    assert "Order with obligation to pay" in page
    assert "I have read and accept the terms of sale" in page
    assert "Fromagerie du Col" in page
    assert "Miellerie des Baous" in page
    assert f"Sold by {shop.hub.legal_name}" in page
    assert "€23.55" in page  # goods: 2 × 6.50 + 10.55
    assert "€6.90" in page  # delivery fee below the free threshold
    assert "€30.45" in page  # total
    assert "Including VAT at 5.5%" in page
    assert placed.status_code == 302
    assert placed["Location"] == payment.redirect_url
    assert paid["Location"] == "http://testserver" + hub_url(
        shop, "checkout:return", checkout_token=order.checkout_token
    )
    # The return shows the thank-you page itself, no redirect.
    assert returned.status_code == 200
    assert confirmation.status_code == 200
    for body in (returned.content.decode(), confirmation.content.decode()):
        assert order.number in body
        assert "A confirmation e-mail" in body
        assert "alice@example.org" in body
        assert "€30.45" in body
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.total_cents == 3045
    assert order.language == "en"
    assert stock(shop, 0) == 8
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["alice@example.org"]
    assert order.number in email.subject
    assert shop.hub.siret in email.body
    assert shop.hub.vat_number in email.body
    assert "Tomme de chèvre" in email.body
    assert "Including VAT at 5.5%" in email.body
    assert "Total incl. VAT: €30.45" in email.body
    assert "Withdraw from the contract here: http" in email.body
    assert f"/en/orders/withdraw/?number={order.number}" in email.body
    assert "L217-3" in email.body
    assert "Model withdrawal form" in email.body
    html = email.alternatives[0][0]
    assert order.number in html
    assert shop.hub.siret in html
    assert f"/en/orders/withdraw/?number={order.number}" in html


def test_declined_card_puts_the_goods_back_in_the_basket(client, shop):
    """A declined card fails the order, gives stock back and refills the basket."""
    cart = basket_in_session(client, shop, (1, 2))
    review = to_review(client, shop)
    placed = client.post(
        hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"}
    )

    paid = client.post(placed["Location"], {"action": "pay", "card_number": "4000 0000 0000 0002"})
    returned = client.get(paid["Location"], follow=True)

    order = Order.objects.get()
    assert order.status == OrderStatus.PAYMENT_FAILED
    assert stock(shop, 1) == 5
    assert returned.redirect_chain[0][0] == basket_url(shop.hub)
    assert "Your payment was not accepted" in returned.content.decode()
    assert list(CartLine.objects.filter(cart=cart).values_list("variant_id", "quantity")) == [
        (shop.variant(1).pk, 2)
    ]
    assert len(mail.outbox) == 0


def test_double_submit_of_the_order_button_makes_one_order(client, shop):
    """Submitting the recap twice with the same token places one order and one payment."""
    basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)
    data = {"checkout_token": review.context["token"], "accepted_terms": "on"}

    first = client.post(hub_url(shop, "checkout:review"), data)
    second = client.post(hub_url(shop, "checkout:review"), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert stock(shop, 0) == 9
    # The token now names that order: the next recap gets another one.
    basket_in_session(client, shop, (1, 1))
    assert client.get(hub_url(shop, "checkout:review")).context["token"] != review.context["token"]


def test_pickup_order_uses_the_pickup_slot_and_costs_no_fee(client, shop):
    """Pickup with a pickup slot: no delivery fee, the slot's point is the order's."""
    basket_in_session(client, shop, (0, 1))

    review = to_review(client, shop, fulfilment="pickup", slot=str(shop.pickup_slot.pk), postal_code="")
    client.post(hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"})

    order = Order.objects.get()
    assert order.fulfilment == "pickup"
    assert order.pickup_point == shop.pickup_point
    assert order.delivery_fee_cents == 0
    assert order.address_line1 == ""


def test_slots_are_shown_in_the_hub_time_zone(client, shop):
    """Slot times are those of Hub.timezone, not UTC."""
    basket_in_session(client, shop, (0, 1))
    shop.hub.timezone = "Pacific/Auckland"
    shop.hub.save()

    page = client.get(hub_url(shop, "checkout:start")).content.decode()

    local = timezone.localtime(shop.delivery_slot.starts_at, timezone=__import__("zoneinfo").ZoneInfo("Pacific/Auckland"))
    assert local.strftime("%H:%M") in page


def test_logged_in_customer_gets_contact_details_prefilled(client, shop):
    """The e-mail and names of a logged-in customer fill the contact fields."""
    user = factories.user(email="bob@example.org", first_name="Bob", last_name="Martin", phone="0612345678")
    client.force_login(user)
    cart = cart_create(hub=shop.hub, user=user)
    cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=1)

    page = client.get(hub_url(shop, "checkout:start")).content.decode()

    assert 'value="bob@example.org"' in page
    assert 'value="Bob"' in page
    assert 'value="Martin"' in page


def test_empty_basket_goes_back_to_the_basket(client, shop):
    """Checkout with an empty basket redirects to the basket with a message."""
    response = client.get(hub_url(shop, "checkout:start"), follow=True)

    assert response.redirect_chain[0] == (basket_url(shop.hub), 302)
    assert "Your basket is empty." in response.content.decode()


def test_basket_emptied_before_the_order_button_places_nothing(client, shop):
    """A basket emptied in another tab refuses the order and goes back to the basket."""
    cart = basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)
    CartLine.objects.filter(cart=cart).delete()

    response = client.post(
        hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == basket_url(shop.hub)
    assert Order.objects.count() == 0


def test_postal_code_out_of_zone_is_refused_on_its_field(client, shop):
    """A postal code no zone serves: 400 with the message on the postal code field."""
    basket_in_session(client, shop, (0, 1))

    response = client.post(hub_url(shop, "checkout:start"), step1(shop, postal_code="75001"))

    assert response.status_code == 400
    assert response.context["form"].errors["postal_code"] == [
        "We do not deliver to this postal code. You can choose a pickup point."
    ]
    assert "panier_checkout" not in client.session


@pytest.mark.parametrize(
    ("slot_value", "message"),
    [
        ("abc", "Please choose one of the slots offered."),
        ("-3", "Please choose one of the slots offered."),
        ("999999", "This delivery or pickup slot does not exist."),
    ],
)
def test_tampered_slot_ids_are_refused(client, shop, slot_value, message):
    """A slot id that is not a number or not a slot is a field error, never a 500."""
    basket_in_session(client, shop, (0, 1))

    response = client.post(hub_url(shop, "checkout:start"), step1(shop, slot=slot_value))

    assert response.status_code == 400
    assert response.context["form"].errors["slot"] == [message]


def test_another_hubs_slot_and_pickup_point_are_refused(client, shop):
    """Slots and pickup points of another hub do not exist for this hub."""
    other = factories.make_shop()
    basket_in_session(client, shop, (0, 1))

    by_slot = client.post(hub_url(shop, "checkout:start"), step1(shop, slot=str(other.delivery_slot.pk)))
    by_point = client.post(
        hub_url(shop, "checkout:start"),
        step1(shop, fulfilment="pickup", slot=str(shop.pickup_slot.pk), pickup_point=str(other.pickup_point.pk)),
    )

    assert by_slot.status_code == 400
    assert by_slot.context["form"].errors["slot"] == ["This delivery or pickup slot does not exist."]
    assert by_point.status_code == 400
    assert by_point.context["form"].errors["pickup_point"] == ["This pickup point does not exist."]


def test_slot_of_the_wrong_kind_is_refused(client, shop):
    """Home delivery with a pickup slot is inconsistent and refused."""
    basket_in_session(client, shop, (0, 1))

    response = client.post(hub_url(shop, "checkout:start"), step1(shop, slot=str(shop.pickup_slot.pk)))

    assert response.status_code == 400
    assert response.context["form"].errors["slot"] == ["Please choose a home delivery slot, or choose pickup."]


def test_full_slot_is_refused_at_both_steps(client, shop):
    """A full slot: 409 at step 1, and 409 at the order button if it filled up meanwhile."""
    basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)
    shop.delivery_slot.booked = shop.delivery_slot.capacity
    shop.delivery_slot.save()

    placed = client.post(
        hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"}
    )
    again = client.post(hub_url(shop, "checkout:start"), step1(shop))

    assert placed.status_code == 409
    assert "This slot is full. Please choose another one." in placed.content.decode()
    assert again.status_code == 409
    assert again.context["form"].errors["slot"] == ["This slot is full. Please choose another one."]
    assert Order.objects.count() == 0
    assert stock(shop, 0) == 10


def test_passed_cutoff_is_refused_at_both_steps(client, shop):
    """A slot whose cut-off passed takes no order: 409 with the cut-off message."""
    basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)
    shop.delivery_slot.cutoff_at = timezone.now() - timedelta(minutes=1)
    shop.delivery_slot.save()

    placed = client.post(
        hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"}
    )
    again = client.post(hub_url(shop, "checkout:start"), step1(shop))

    closed = "Orders for this slot are closed. Please choose a later slot."
    assert placed.status_code == 409
    assert closed in placed.content.decode()
    assert again.status_code == 409
    assert again.context["form"].errors["slot"] == [closed]
    assert Order.objects.count() == 0
    assert stock(shop, 0) == 10


def test_unticked_terms_refuse_the_order(client, shop):
    """Without the terms box ticked: 400, the message on the box, no order, stock unchanged."""
    basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)

    response = client.post(hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"]})

    assert response.status_code == 400
    assert response.context["form"].errors["accepted_terms"] == [
        "Please accept the terms of sale to place your order."
    ]
    assert Order.objects.count() == 0
    assert stock(shop, 0) == 10


def test_tampered_or_stale_token_places_nothing(client, shop):
    """A checkout token the session did not issue is refused (400 malformed, 409 stale)."""
    basket_in_session(client, shop, (0, 1))
    to_review(client, shop)

    malformed = client.post(hub_url(shop, "checkout:review"), {"checkout_token": "abc", "accepted_terms": "on"})
    stale = client.post(
        hub_url(shop, "checkout:review"),
        {"checkout_token": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "accepted_terms": "on"},
    )

    assert malformed.status_code == 400
    assert stale.status_code == 409
    assert "This page is out of date" in stale.content.decode()
    assert Order.objects.count() == 0


def test_below_minimum_basket_is_refused(client, shop):
    """Under the hub's minimum basket: the recap says so and the order is refused with 409."""
    shop.hub.min_order_cents = 5000
    shop.hub.save()
    basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)

    response = client.post(
        hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"}
    )

    assert "The minimum order at this shop is €50.00 of goods." in review.content.decode()
    assert response.status_code == 409
    assert "Your basket is below this shop&#x27;s minimum order amount." in response.content.decode()
    assert Order.objects.count() == 0
    assert stock(shop, 0) == 10


def test_stock_sold_meanwhile_refuses_the_order(client, shop):
    """Stock gone between recap and order button: 409, nothing reserved."""
    basket_in_session(client, shop, (0, 3))
    review = to_review(client, shop)
    Stock.objects.filter(variant=shop.variant(0)).update(remaining=1)

    response = client.post(
        hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"}
    )

    assert response.status_code == 409
    assert "Some products are no longer available in the quantity asked for." in response.content.decode()
    assert Order.objects.count() == 0
    assert stock(shop, 0) == 1


def test_review_without_step_one_goes_to_step_one(client, shop):
    """Opening the recap directly sends the customer to the first step."""
    basket_in_session(client, shop, (0, 1))

    response = client.get(hub_url(shop, "checkout:review"))

    assert response.status_code == 302
    assert response["Location"] == hub_url(shop, "checkout:start")


def test_unknown_payment_return_is_404(client, shop):
    """A return URL with an unknown token answers 404."""
    response = client.get(hub_url(shop, "checkout:return", checkout_token="1b4e28ba-2fa1-11d2-883f-0016d3cca427"))

    assert response.status_code == 404


def test_confirmation_of_someone_elses_order_is_404(client, shop, django_capture_on_commit_callbacks):
    """Another browser cannot see a guest's confirmation page without the key."""
    basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)
    client.post(hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"})
    order = Order.objects.get()

    response = client.__class__().get(hub_url(shop, "checkout:confirmation", number=order.number))

    assert response.status_code == 404


def test_review_and_start_pages_run_a_bounded_number_of_queries(client, shop, django_assert_max_num_queries):
    """The recap costs the same few queries whatever the basket holds."""
    basket_in_session(client, shop, (0, 1), (1, 1), (2, 1))
    to_review(client, shop)

    with django_assert_max_num_queries(12):
        start = client.get(hub_url(shop, "checkout:start"))
    with django_assert_max_num_queries(14):
        review = client.get(hub_url(shop, "checkout:review"))

    assert start.status_code == review.status_code == 200


def test_pickup_slots_are_listed_per_pickup_point(client, shop):
    """Without JavaScript both lists show: delivery slots, and pickup slots under their point."""
    basket_in_session(client, shop, (0, 1))
    factories.slot(shop.hub, kind=SlotKind.PICKUP, pickup_point=shop.pickup_point, days=4)

    page = client.get(hub_url(shop, "checkout:start")).content.decode()

    assert "Home delivery slots" in page
    assert "Pickup slots" in page
    assert shop.pickup_point.name in page
    assert page.count('name="slot"') == 3


def test_return_without_paying_keeps_the_order_waiting(client, shop):
    """Coming back before paying shows a page that leads back to the payment page."""
    basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)
    placed = client.post(
        hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"}
    )
    order = Order.objects.get()

    response = client.get(hub_url(shop, "checkout:return", checkout_token=order.checkout_token))
    confirmation = client.get(hub_url(shop, "checkout:confirmation", number=order.number))

    assert response.status_code == 202
    assert f'href="{placed["Location"]}"' in response.content.decode()
    assert confirmation.status_code == 302
    assert confirmation["Location"] == url("orders:detail", number=order.number) + f"?key={order.access_key}"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_return_while_the_provider_does_not_answer_keeps_the_order_waiting(client, shop, caplog):
    """The provider cannot say how the payment went: the order waits (202) for its notification or reconciliation."""
    from panier.payments.models import SandboxIntent

    basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)
    client.post(hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"})
    order = Order.objects.get()
    SandboxIntent.objects.all().delete()  # the sandbox now answers "unknown payment"

    response = client.get(hub_url(shop, "checkout:return", checkout_token=order.checkout_token))

    assert response.status_code == 202
    assert order.number in response.content.decode()
    assert any(r.message == "payment.return_unanswered" and r.order_id == order.pk for r in caplog.records)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_return_with_an_unknown_token_is_404(client, shop):
    response = client.get(hub_url(shop, "checkout:return", checkout_token=uuid.uuid4()))

    assert response.status_code == 404


def test_stale_recap_after_a_declined_card_does_not_reuse_the_failed_order(client, shop):
    """After a declined card, resubmitting the old recap page is refused; a fresh recap places a new order."""
    basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)
    old = {"checkout_token": review.context["token"], "accepted_terms": "on"}
    placed = client.post(hub_url(shop, "checkout:review"), old)
    paid = client.post(placed["Location"], {"action": "pay", "card_number": "4000 0000 0000 0002"})
    client.get(paid["Location"])

    stale = client.post(hub_url(shop, "checkout:review"), old)
    fresh = client.get(hub_url(shop, "checkout:review"))
    again = client.post(
        hub_url(shop, "checkout:review"), {"checkout_token": fresh.context["token"], "accepted_terms": "on"}
    )

    assert stale.status_code == 409
    assert again.status_code == 302
    assert list(Order.objects.order_by("pk").values_list("status", flat=True)) == [
        OrderStatus.PAYMENT_FAILED,
        OrderStatus.PENDING_PAYMENT,
    ]


def test_return_url_of_another_hub_is_404(client, shop):
    """An order's return URL under another hub's slug answers 404."""
    other = factories.make_shop()
    basket_in_session(client, shop, (0, 1))
    review = to_review(client, shop)
    client.post(hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"})
    order = Order.objects.get()

    response = client.get(url("checkout:return", hub_slug=other.hub.slug, checkout_token=order.checkout_token))

    assert response.status_code == 404


def test_confirmation_links_the_invoice(client, shop, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    """Once paid, the confirmation page links the order's invoice PDF, which the guest can download."""
    from panier.invoicing.models import Invoice

    basket_in_session(client, shop, (0, 2), (1, 1))
    review = to_review(client, shop)
    placed = client.post(hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"})
    paid = client.post(placed["Location"], {"action": "pay", "card_number": "4242 4242 4242 4242"})
    with django_capture_on_commit_callbacks(execute=True):
        returned = client.get(paid["Location"])
    order = Order.objects.get()
    invoice = Invoice.objects.get(order=order)

    with django_assert_max_num_queries(9):
        confirmation = client.get(url("checkout:confirmation", hub_slug=shop.hub.slug, number=order.number))
    body = confirmation.content.decode()
    assert returned.status_code == 200
    assert f'href="{url("invoicing:customer_pdf", public_id=invoice.public_id)}?key={order.access_key}"' in (
        returned.content.decode()
    )
    link = f"{url('invoicing:customer_pdf', public_id=invoice.public_id)}?key={order.access_key}"
    pdf = client.__class__().get(link)

    assert confirmation.status_code == 200
    assert "Your invoice" in body
    assert f'href="{link}"' in body
    assert f"Invoice {invoice.number}" in body
    assert "€30.45" in body
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_the_recap_keeps_its_token_and_writes_nothing_to_the_session(client, shop):
    """The order token comes with step 1: showing the recap again gives the same token and saves no session."""
    basket_in_session(client, shop, (0, 1))
    first = to_review(client, shop)
    stored = dict(client.session.items())

    again = client.get(hub_url(shop, "checkout:review"))

    assert again.context["token"] == first.context["token"]
    assert dict(client.session.items()) == stored
    assert "Set-Cookie" not in again.headers

