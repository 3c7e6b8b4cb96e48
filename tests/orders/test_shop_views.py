"""Customer order pages: order detail access and the online withdrawal function."""

import uuid

from django.core import mail
from django.urls import reverse
from django.utils import translation

from panier.cart.services import cart_add, cart_create
from panier.catalog.models import WithdrawalException
from panier.checkout.services import (
    CheckoutDetails,
    checkout_complete,
    checkout_pay,
    checkout_payment_returned,
)
from panier.orders.models import OrderStatus, Withdrawal
from panier.orders.services import order_transition
from panier.payments.adapters.sandbox import sandbox_pay
from tests import factories


def url(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


def paid_order(shop, *, user=None, items=((0, 1), (1, 1)), language="en"):
    """Place and pay an order through the services, as the checkout does."""
    cart = cart_create(hub=shop.hub, user=user)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    details = CheckoutDetails(
        fulfilment="delivery",
        slot_id=shop.delivery_slot.pk,
        email="alice@example.org",
        first_name="Alice",
        last_name="Durand",
        phone="0612345678",
        accepted_terms=True,
        postal_code="06000",
        address_line1="5 rue Rossini",
        city="Nice",
    )
    order = checkout_complete(
        hub=shop.hub, cart=cart, details=details, checkout_token=uuid.uuid4(), user=user, language=language
    )
    payment = checkout_pay(order=order, return_url="/return/")
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242424242424242")
    order = checkout_payment_returned(payment_public_id=payment.public_id)
    mail.outbox.clear()
    return order


def test_guest_order_detail_needs_the_access_key(client, shop):
    """A guest sees their order with its key only; a wrong or missing key is 404."""
    order = paid_order(shop)
    detail = url("orders:detail", number=order.number)

    without = client.get(detail)
    wrong = client.get(detail, {"key": str(uuid.uuid4())})
    garbage = client.get(detail, {"key": "not-a-key"})
    right = client.get(detail, {"key": str(order.access_key)})

    assert without.status_code == 404
    assert wrong.status_code == 404
    assert garbage.status_code == 404
    assert right.status_code == 200
    page = right.content.decode()
    assert order.number in page
    assert "Paid" in page
    assert "Tomme de chèvre" in page
    assert "Including VAT at 5.5%" in page
    assert "Withdraw from the contract here" in page


def test_owner_sees_their_order_and_others_do_not(client, shop):
    """A logged-in owner needs no key; another logged-in customer gets 404."""
    owner = factories.user()
    order = paid_order(shop, user=owner)
    detail = url("orders:detail", number=order.number)

    client.force_login(factories.user())
    stranger = client.get(detail)
    client.force_login(owner)
    mine = client.get(detail)

    assert stranger.status_code == 404
    assert mine.status_code == 200


def test_order_detail_marks_lines_without_withdrawal_right(client, shop):
    """Perishable lines are marked and the L221-28 exception is explained."""
    shop.products[0].withdrawal_exception = WithdrawalException.PERISHABLE
    shop.products[0].save()
    order = paid_order(shop)

    page = client.get(url("orders:detail", number=order.number), {"key": str(order.access_key)}).content.decode()

    assert page.count("No withdrawal right (perishable goods, art. L221-28 Consumer Code)") == 1
    assert "art. L221-28 of the French Consumer Code" in page


def test_order_detail_runs_a_bounded_number_of_queries(client, shop, django_assert_max_num_queries):
    """The order page costs a fixed number of queries."""
    order = paid_order(shop, items=((0, 1), (1, 1), (2, 1)))
    order_transition(order_id=order.pk, target=OrderStatus.IN_PREPARATION)

    with django_assert_max_num_queries(10):
        response = client.get(url("orders:detail", number=order.number), {"key": str(order.access_key)})

    assert response.status_code == 200
    assert "In preparation" in response.content.decode()


def test_withdrawal_in_two_steps_sends_a_receipt(client, shop, django_capture_on_commit_callbacks):
    """Name, number, e-mail; then a separate confirmation; then a receipt with date and time."""
    order = paid_order(shop)

    start = client.get(url("orders:withdraw"), {"number": order.number})
    asked = client.post(
        url("orders:withdraw"), {"name": "Alice Durand", "number": order.number.lower(), "email": "ALICE@example.org"}
    )
    withdrawal = Withdrawal.objects.get()
    confirm_page = client.get(asked["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(asked["Location"])
    done = client.get(confirmed["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        twice = client.post(asked["Location"])

    assert start.status_code == 200
    assert f'value="{order.number}"' in start.content.decode()
    assert asked["Location"] == url("orders:withdraw_confirm", token=withdrawal.token)
    assert confirm_page.status_code == 200
    assert "Confirm withdrawal" in confirm_page.content.decode()
    assert withdrawal.confirmed_at is None
    assert confirmed["Location"] == url("orders:withdraw_done", token=withdrawal.token)
    assert twice["Location"] == confirmed["Location"]
    withdrawal.refresh_from_db()
    assert withdrawal.confirmed_at is not None
    assert done.status_code == 200
    assert "Your withdrawal has been received" in done.content.decode()
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == ["ALICE@example.org"]
    assert order.number in receipt.subject
    assert "I, Alice Durand, hereby give notice that I withdraw" in receipt.body
    assert "Confirmed on: " in receipt.body
    assert shop.hub.siret in receipt.body


def test_withdrawal_with_the_wrong_email_is_refused(client, shop):
    """An order number with another e-mail address finds nothing: 400, no request recorded."""
    order = paid_order(shop)

    response = client.post(
        url("orders:withdraw"), {"name": "Mallory", "number": order.number, "email": "mallory@example.org"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["number"] == [
        "No order matches this number and e-mail address. Please check them."
    ]
    assert Withdrawal.objects.count() == 0


def test_withdrawal_form_refuses_missing_fields(client, shop):
    """An empty form is refused with 400."""
    response = client.post(url("orders:withdraw"), {"name": "", "number": "", "email": "nope"})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "number", "email"}


def test_logged_in_owner_withdraws_without_re_identification(client, shop):
    """The owner's name and e-mail are prefilled and any contact e-mail is accepted."""
    owner = factories.user(email="owner@example.org", first_name="Olga", last_name="Petit")
    order = paid_order(shop, user=owner)
    client.force_login(owner)

    page = client.get(url("orders:withdraw")).content.decode()
    response = client.post(
        url("orders:withdraw"), {"name": "Olga Petit", "number": order.number, "email": "olga@example.net"}
    )

    assert 'value="owner@example.org"' in page
    assert 'value="Olga Petit"' in page
    assert response.status_code == 302


def test_cancelled_order_cannot_be_withdrawn_online(client, shop):
    """A cancelled order refuses the withdrawal with 409."""
    order = paid_order(shop)
    order_transition(order_id=order.pk, target=OrderStatus.CANCELLED)

    response = client.post(
        url("orders:withdraw"), {"name": "Alice", "number": order.number, "email": "alice@example.org"}
    )

    assert response.status_code == 409
    assert "This order can no longer be withdrawn from online." in response.content.decode()


def test_unknown_withdrawal_token_is_404(client, shop):
    """Confirm and done pages of an unknown request answer 404."""
    token = uuid.uuid4()

    assert client.get(url("orders:withdraw_confirm", token=token)).status_code == 404
    assert client.post(url("orders:withdraw_confirm", token=token)).status_code == 404
    assert client.get(url("orders:withdraw_done", token=token)).status_code == 404


def test_status_email_names_the_status(shop, django_capture_on_commit_callbacks):
    """The status e-mail's subject carries the order number and its new status."""
    order = paid_order(shop)
    order_transition(order_id=order.pk, target=OrderStatus.IN_PREPARATION)
    order_transition(order_id=order.pk, target=OrderStatus.READY)

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order_id=order.pk, target=OrderStatus.OUT_FOR_DELIVERY)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"Your order {order.number}: Out for delivery"
    assert f"/en/orders/{order.number}/?key={order.access_key}" in mail.outbox[0].body
