"""Stored payment methods and merchant-initiated charges through the sandbox."""

import pytest

from panier.payments.adapters.base import Exemption
from panier.payments.adapters.sandbox import sandbox_challenge, sandbox_pay
from panier.payments.errors import PaymentMethodRevoked
from panier.payments.models import Payment, PaymentStatus, SandboxIntent, StoredPaymentMethod
from panier.payments.services import (
    payment_charge_stored,
    payment_method_revoke,
    payment_open,
    payment_sync,
)
from tests import factories


def _saved_method(shop, card="4242 4242 4242 4242"):
    customer = factories.user()
    payment = payment_open(
        hub=shop.hub, reference="SUB-1", amount_cents=2990, idempotency_key=f"SUB-1:authorise:{customer.pk}",
        return_url="/back", save_method=True, customer=customer,
    )
    intent = sandbox_pay(intent_id=payment.provider_ref, card_number=card)
    if intent.status == "requires_action":
        sandbox_challenge(intent_id=intent.pk, approve=True)
    payment_sync(payment_id=payment.pk)
    return customer, payment


def test_authorised_payment_with_consent_saves_the_card(shop):
    """A customer-present payment opened with save_method keeps the card once authorised, with SCA requested."""
    customer, payment = _saved_method(shop)

    method = StoredPaymentMethod.objects.get()
    assert (method.customer, method.provider, method.label) == (customer, "sandbox", "Visa •••• 4242")
    assert method.first_payment == payment
    assert method.method_ref.startswith("pm_sbx_")
    assert Payment.objects.get(pk=payment.pk).exemption == Exemption.CHALLENGE
    payment_sync(payment_id=payment.pk)
    assert StoredPaymentMethod.objects.count() == 1


def test_no_card_is_kept_without_consent_or_without_authorisation(shop):
    """No consent, or a declined card: nothing is stored."""
    customer = factories.user()
    plain = payment_open(hub=shop.hub, reference="A", amount_cents=500, idempotency_key="A:1", return_url="/",
                         customer=customer)
    sandbox_pay(intent_id=plain.provider_ref, card_number="4242424242424242")
    payment_sync(payment_id=plain.pk)
    declined = payment_open(hub=shop.hub, reference="B", amount_cents=500, idempotency_key="B:1", return_url="/",
                            customer=customer, save_method=True)
    sandbox_pay(intent_id=declined.provider_ref, card_number="4000 0000 0000 9995")

    assert payment_sync(payment_id=declined.pk).failure_code == "insufficient_funds"
    assert StoredPaymentMethod.objects.count() == 0


def test_merchant_initiated_charge_is_authorised_once(shop):
    """A stored card is charged without the customer; retrying the key charges nothing more."""
    _, _ = _saved_method(shop)
    method = StoredPaymentMethod.objects.get()

    first = payment_charge_stored(hub=shop.hub, reference="SUB-2", amount_cents=2990, method=method,
                                  idempotency_key="sub:7:run:2")
    again = payment_charge_stored(hub=shop.hub, reference="SUB-2", amount_cents=2990, method=method,
                                  idempotency_key="sub:7:run:2")

    assert first.payment.pk == again.payment.pk
    assert first.payment.status == PaymentStatus.AUTHORISED
    assert not first.needs_customer
    assert first.payment.method == method
    assert first.payment.exemption == Exemption.RECURRING
    assert SandboxIntent.objects.filter(reference="SUB-2").count() == 1


def test_card_asking_for_authentication_sends_the_customer_to_the_challenge(shop):
    """The soft-decline card answers with a page for the customer; approving it authorises the payment."""
    _saved_method(shop, card="4000 0025 0000 3155")
    method = StoredPaymentMethod.objects.get()

    result = payment_charge_stored(hub=shop.hub, reference="SUB-3", amount_cents=3990, method=method,
                                   idempotency_key="sub:7:run:3")

    assert result.needs_customer
    assert result.payment.status == PaymentStatus.PENDING
    assert result.redirect_url == f"/pay/sandbox/{result.payment.provider_ref}/"
    sandbox_challenge(intent_id=result.payment.provider_ref, approve=True)
    assert payment_sync(payment_id=result.payment.pk).status == PaymentStatus.AUTHORISED


def test_declined_stored_charge_fails_and_revoked_method_is_refused(shop):
    """Insufficient funds fail the charge; a revoked method cannot be charged."""
    _saved_method(shop, card="4000 0000 0000 9995")
    assert StoredPaymentMethod.objects.count() == 0
    _saved_method(shop)
    method = StoredPaymentMethod.objects.get()
    payment_method_revoke(method=method)

    with pytest.raises(PaymentMethodRevoked) as err:
        payment_charge_stored(hub=shop.hub, reference="SUB-4", amount_cents=100, method=method,
                              idempotency_key="sub:7:run:4")
    assert err.value.code == "payment_method_revoked"
