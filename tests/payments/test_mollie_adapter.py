"""The Mollie adapter against a fake Mollie API on loopback."""

import pytest

from panier.payments.adapters.base import (
    Exemption,
    OpenRequest,
    ProviderError,
    ProviderStatus,
    StoredCharge,
    WebhookRejected,
)
from panier.payments.adapters.mollie import MollieProvider, amount_cents_from, amount_value
from panier.payments.adapters.registry import provider_get


def _open(provider, *, key="pay-1:open:1", amount=2350, **kw):
    return provider.open(
        OpenRequest(
            amount_cents=amount,
            currency="EUR",
            reference="P-0001",
            idempotency_key=key,
            return_url="https://shop.example.org/checkout/return/",
            **kw,
        )
    )


@pytest.mark.parametrize("cents", [0, 1, 9, 10, 99, 100, 2350, 123456789])
def test_amounts_convert_exactly(cents):
    """Cents survive the trip to Mollie's decimal strings and back."""
    assert amount_cents_from(amount_value(cents, "eur")) == cents
    assert amount_value(2305, "eur") == {"currency": "EUR", "value": "23.05"}


def test_unreadable_amount_is_a_provider_error():
    """An amount with a fraction of a cent is refused, not rounded."""
    with pytest.raises(ProviderError):
        amount_cents_from({"currency": "EUR", "value": "1.005"})


def test_registry_knows_mollie(fake_mollie):
    """The registry builds the Mollie adapter by name."""
    assert isinstance(provider_get("mollie"), MollieProvider)


def test_open_holds_funds_on_the_hosted_checkout(fake_mollie):
    """Opening creates a card payment with manual capture and answers Mollie's checkout URL."""
    provider = MollieProvider()

    session = _open(provider)

    sent = fake_mollie.posts()[0]
    assert sent.path == "/v2/payments"
    assert sent.headers["idempotency-key"] == "pay-1:open:1"
    assert sent.params["amount"] == {"currency": "EUR", "value": "23.50"}
    assert (sent.params["captureMode"], sent.params["method"]) == ("manual", "creditcard")
    assert (
        session.redirect_url
        == f"https://www.mollie.test/checkout/select-method/{session.provider_ref}"
    )
    assert provider.status(session.provider_ref) == ProviderStatus(
        status="pending", amount_cents=2350, provider_ref=session.provider_ref
    )


def test_first_payment_of_a_mandate_creates_a_customer(fake_mollie):
    """A payment that saves the card is a "first" payment for a new Mollie customer."""
    provider = MollieProvider()

    session = _open(
        provider, save_method=True, exemption=Exemption.CHALLENGE, customer_ref="customer-7"
    )
    fake_mollie.customer_pays(session.provider_ref)
    status = provider.status(session.provider_ref)

    customer_call, payment_call = fake_mollie.posts()[:2]
    assert customer_call.path == "/v2/customers"
    assert customer_call.headers["idempotency-key"] == "pay-1:open:1:customer"
    assert payment_call.params["sequenceType"] == "first"
    assert payment_call.params["customerId"].startswith("cst_")
    assert status.status == "authorised"
    customer, mandate = status.method_ref.split(":")
    assert customer == payment_call.params["customerId"]
    assert mandate.startswith("mdt_")
    assert status.method_label == "Mastercard •••• 6787"


def test_failed_and_cancelled_payments(fake_mollie):
    """Mollie's failed and canceled states map to the shop's."""
    provider = MollieProvider()
    failed = _open(provider, key="a")
    cancelled = _open(provider, key="b")

    fake_mollie.customer_pays(failed.provider_ref, outcome="failed")
    fake_mollie.customer_pays(cancelled.provider_ref, outcome="canceled")

    assert provider.status(failed.provider_ref) == ProviderStatus(
        status="failed",
        amount_cents=2350,
        decline_code="insufficient_funds",
        provider_ref=failed.provider_ref,
    )
    assert provider.status(cancelled.provider_ref).status == "cancelled"


def test_partial_capture_then_refunds(fake_mollie):
    """Capture less than held, then refund it in two parts."""
    provider = MollieProvider()
    session = _open(provider)
    fake_mollie.customer_pays(session.provider_ref)

    captured = provider.capture(
        session.provider_ref, amount_cents=2100, idempotency_key="pay-1:capture:1"
    )
    refund = provider.refund(
        session.provider_ref, amount_cents=600, idempotency_key="pay-1:refund:1"
    )

    capture_call = [r for r in fake_mollie.posts() if r.path.endswith("/captures")][0]
    assert capture_call.params == {"amount": {"currency": "EUR", "value": "21.00"}}
    assert capture_call.headers["idempotency-key"] == "pay-1:capture:1"
    assert (captured.status, captured.captured_cents) == ("captured", 2100)
    assert (refund.amount_cents, refund.status) == (600, "pending")
    assert refund.refund_ref.startswith("re_")
    provider.refund(session.provider_ref, amount_cents=1500, idempotency_key="pay-1:refund:2")
    assert provider.status(session.provider_ref).status == "refunded"


def test_refund_above_what_is_left_is_refused(fake_mollie):
    """Mollie's 422 on an impossible refund is a non-retryable error."""
    provider = MollieProvider()
    session = _open(provider)
    fake_mollie.customer_pays(session.provider_ref)
    provider.capture(session.provider_ref, amount_cents=1000, idempotency_key="c")

    with pytest.raises(ProviderError) as info:
        provider.refund(session.provider_ref, amount_cents=1001, idempotency_key="r")

    assert info.value.retryable is False


def test_void_releases_a_hold_or_cancels_an_open_payment(fake_mollie):
    """Void releases an authorisation, or cancels a payment nobody paid."""
    provider = MollieProvider()
    held = _open(provider, key="a")
    fake_mollie.customer_pays(held.provider_ref)
    unpaid = _open(provider, key="b")

    assert provider.void(held.provider_ref, idempotency_key="a:void").status == "cancelled"
    assert provider.void(unpaid.provider_ref, idempotency_key="b:void").status == "cancelled"
    release = [r for r in fake_mollie.posts() if r.path.endswith("/release-authorization")][0]
    assert release.headers["idempotency-key"] == "a:void"
    assert [r.method for r in fake_mollie.posts()][-1] == "DELETE"


def test_retried_open_with_the_same_key_creates_one_payment(fake_mollie):
    """The same idempotency key gives the same payment back."""
    provider = MollieProvider()

    first = _open(provider)
    second = _open(provider)

    assert first == second
    assert len(fake_mollie.payments) == 1


def test_recurring_charge_uses_the_mandate(fake_mollie):
    """A later cycle is a "recurring" payment on the customer's mandate, with no checkout."""
    provider = MollieProvider()
    first = _open(provider, save_method=True)
    fake_mollie.customer_pays(first.provider_ref)
    method_ref = provider.status(first.provider_ref).method_ref

    answer = provider.charge_stored(
        StoredCharge(
            method_ref=method_ref,
            customer_ref="",
            amount_cents=1800,
            currency="EUR",
            reference="P-0002",
            idempotency_key="pay-2:charge:1",
            exemption=Exemption.RECURRING,
        )
    )

    sent = fake_mollie.posts()[-1]
    assert (sent.params["sequenceType"], sent.params["captureMode"]) == ("recurring", "manual")
    assert f"{sent.params['customerId']}:{sent.params['mandateId']}" == method_ref
    assert sent.headers["idempotency-key"] == "pay-2:charge:1"
    assert (answer.status, answer.amount_cents) == ("authorised", 1800)
    assert answer.provider_ref.startswith("tr_")


def test_recurring_charge_declined(fake_mollie):
    """A declined recurring payment reads as failed with Mollie's reason."""
    provider = MollieProvider()
    first = _open(provider, save_method=True)
    fake_mollie.customer_pays(first.provider_ref, declines_later=True)
    method_ref = provider.status(first.provider_ref).method_ref

    answer = provider.charge_stored(
        StoredCharge(
            method_ref=method_ref,
            customer_ref="",
            amount_cents=1800,
            currency="EUR",
            reference="P-0003",
            idempotency_key="pay-3:charge:1",
        )
    )

    assert (answer.status, answer.decline_code) == ("failed", "card_declined")


def test_unknown_mandate_is_refused(fake_mollie):
    """Charging a mandate Mollie does not know is a non-retryable error."""
    with pytest.raises(ProviderError) as info:
        MollieProvider().charge_stored(
            StoredCharge(
                method_ref="cst_x:mdt_x",
                customer_ref="",
                amount_cents=100,
                currency="EUR",
                reference="P",
                idempotency_key="k",
            )
        )

    assert info.value.retryable is False


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(fake_mollie, status):
    """A 5xx answer, JSON or a proxy's HTML page, is a retryable error."""
    fake_mollie.fail_next(status)

    with pytest.raises(ProviderError) as info:
        _open(MollieProvider())

    assert info.value.retryable is True
    assert len(fake_mollie.requests) == 1


def test_json_server_error_is_retryable(fake_mollie):
    """Mollie's own JSON 503 answer is retryable too."""
    fake_mollie.fail_next(
        503, {"status": 503, "title": "Service Unavailable", "detail": "Try again"}
    )

    with pytest.raises(ProviderError) as info:
        _open(MollieProvider())

    assert info.value.retryable is True


def test_timeout_is_retryable(fake_mollie, settings):
    """No answer within the timeout is a retryable error."""
    settings.PANIER_PAYMENT_TIMEOUT_S = 0.3
    fake_mollie.hang_next()

    with pytest.raises(ProviderError) as info:
        _open(MollieProvider())

    assert info.value.retryable is True


def test_bad_api_key_is_not_retryable(fake_mollie, settings):
    """A refused key is a configuration error, not a reason to retry."""
    settings.MOLLIE_API_KEY = "test_wrongwrongwrongwrongwrongwrong"

    with pytest.raises(ProviderError) as info:
        _open(MollieProvider())

    assert info.value.retryable is False


def test_webhook_is_verified_by_fetching_the_payment(fake_mollie):
    """A notification names a payment; its state is read from Mollie, not from the body."""
    provider = MollieProvider()
    session = _open(provider)
    fake_mollie.customer_pays(session.provider_ref)

    event = provider.parse_webhook(
        {"Content-Type": "application/x-www-form-urlencoded"}, f"id={session.provider_ref}".encode()
    )

    assert event.provider_ref == session.provider_ref
    assert event.kind == "payment.authorized"
    assert event.event_id == f"{session.provider_ref}:authorized:0:0"
    assert fake_mollie.requests[-1].method == "GET"


def test_webhook_for_an_unknown_payment_is_rejected(fake_mollie):
    """An id Mollie does not know is not a genuine notification."""
    with pytest.raises(WebhookRejected):
        MollieProvider().parse_webhook({}, b"id=tr_doesnotexist")


@pytest.mark.parametrize(
    "body", [b"", b"id=", b"id=ord_123", b"\xff\xfe", b"id=tr_1&id=tr_2", b"foo=bar"]
)
def test_webhook_with_a_malformed_body_is_rejected(fake_mollie, body):
    """A body that does not name exactly one payment is rejected without calling Mollie."""
    with pytest.raises(WebhookRejected):
        MollieProvider().parse_webhook({}, body)

    assert fake_mollie.requests == []
