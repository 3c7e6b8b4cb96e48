"""The Stripe adapter against a fake Stripe API on loopback."""

import json

import pytest

from panier.payments.adapters.base import (
    Exemption,
    OpenRequest,
    ProviderError,
    ProviderSession,
    ProviderStatus,
    StoredCharge,
    WebhookRejected,
)
from panier.payments.adapters.registry import provider_get
from panier.payments.adapters.stripe import StripeProvider
from tests.payments.fakes.stripe_server import (
    CARD_3DS_REQUIRED,
    CARD_DECLINED,
    event_payload,
    signature_header,
)


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


def test_registry_knows_stripe(fake_stripe):
    """The registry builds the Stripe adapter by name."""
    assert isinstance(provider_get("stripe"), StripeProvider)


def test_unconfigured_stripe_refuses_to_start(settings):
    """Without a secret key the adapter refuses with a clear, non-retryable error."""
    settings.STRIPE_SECRET_KEY = ""

    with pytest.raises(ProviderError) as info:
        StripeProvider()

    assert info.value.retryable is False
    assert "STRIPE_SECRET_KEY" in info.value.message


def test_open_creates_a_hosted_checkout_holding_funds(fake_stripe):
    """Opening a payment creates a Checkout Session with manual capture and answers its hosted URL."""
    provider = StripeProvider()

    session = _open(provider)

    assert session.provider_ref.startswith("cs_test_")
    assert session.redirect_url == f"https://checkout.stripe.test/c/pay/{session.provider_ref}"
    sent = fake_stripe.posts()[0]
    assert sent.path == "/v1/checkout/sessions"
    assert sent.headers["idempotency-key"] == "pay-1:open:1"
    assert sent.params["payment_intent_data"]["capture_method"] == "manual"
    assert sent.params["line_items"][0]["price_data"]["unit_amount"] == "2350"
    assert "payment_method_options" not in sent.params
    assert provider.status(session.provider_ref) == ProviderStatus(
        status="pending", amount_cents=2350
    )


def test_open_for_a_mandate_asks_for_a_challenge_and_saves_the_card(fake_stripe):
    """A first subscription payment asks for 3-D Secure and keeps the card for off-session use."""
    provider = StripeProvider()

    _open(provider, exemption=Exemption.CHALLENGE, save_method=True, customer_ref="customer-7")

    sent = fake_stripe.posts()[0].params
    assert sent["payment_method_options"] == {"card": {"request_three_d_secure": "challenge"}}
    assert sent["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert sent["customer_creation"] == "always"


def test_paid_checkout_reads_as_authorised_with_the_stored_method(fake_stripe):
    """After the customer pays, the status is authorised and names the saved card."""
    provider = StripeProvider()
    session = _open(provider, save_method=True)

    intent = fake_stripe.customer_pays(session.provider_ref)
    status = provider.status(session.provider_ref)

    assert status.status == "authorised"
    assert status.amount_cents == 2350
    assert status.method_ref == f"{intent['customer']}:{intent['payment_method']}"
    assert status.method_label == "Visa •••• 4242"
    assert status.provider_ref == intent["id"]


def test_card_asking_for_3ds_reads_as_requires_action(fake_stripe):
    """A card whose issuer asks for authentication leaves the payment waiting for the customer."""
    provider = StripeProvider()
    session = _open(provider)

    fake_stripe.customer_pays(session.provider_ref, card=CARD_3DS_REQUIRED)

    assert provider.status(session.provider_ref).status == "requires_action"


def test_declined_card_reads_as_failed_with_the_decline_code(fake_stripe):
    """A declined card gives the failed status and Stripe's decline code."""
    provider = StripeProvider()
    session = _open(provider)

    fake_stripe.customer_pays(session.provider_ref, card=CARD_DECLINED)
    status = provider.status(session.provider_ref)

    assert (status.status, status.decline_code) == ("failed", "generic_decline")


def test_partial_capture_then_partial_refund(fake_stripe):
    """Weighed goods: capture less than held, then refund part of it."""
    provider = StripeProvider()
    session = _open(provider)
    fake_stripe.customer_pays(session.provider_ref)

    captured = provider.capture(
        session.provider_ref, amount_cents=2100, idempotency_key="pay-1:capture:1"
    )
    refund = provider.refund(
        session.provider_ref, amount_cents=600, idempotency_key="pay-1:refund:1"
    )
    after = provider.status(session.provider_ref)

    assert (captured.status, captured.captured_cents) == ("captured", 2100)
    capture_call = [r for r in fake_stripe.posts() if r.path.endswith("/capture")][0]
    assert capture_call.params == {"amount_to_capture": "2100"}
    assert capture_call.headers["idempotency-key"] == "pay-1:capture:1"
    assert (refund.amount_cents, refund.status) == (600, "succeeded")
    assert (after.status, after.captured_cents, after.refunded_cents) == ("captured", 2100, 600)
    provider.refund(session.provider_ref, amount_cents=1500, idempotency_key="pay-1:refund:2")
    assert provider.status(session.provider_ref).status == "refunded"


def test_capture_above_the_hold_is_refused(fake_stripe):
    """Stripe's refusal of an impossible capture is a non-retryable provider error."""
    provider = StripeProvider()
    session = _open(provider)
    fake_stripe.customer_pays(session.provider_ref)

    with pytest.raises(ProviderError) as info:
        provider.capture(session.provider_ref, amount_cents=9999, idempotency_key="pay-1:capture:1")

    assert info.value.retryable is False
    assert "amount_too_large" in info.value.message


def test_void_cancels_an_authorisation_and_expires_an_unpaid_session(fake_stripe):
    """Void cancels a held payment, and expires a checkout nobody paid."""
    provider = StripeProvider()
    held = _open(provider, key="a")
    fake_stripe.customer_pays(held.provider_ref)
    unpaid = _open(provider, key="b")

    assert provider.void(held.provider_ref, idempotency_key="a:void:1").status == "cancelled"
    assert provider.void(unpaid.provider_ref, idempotency_key="b:void:1").status == "cancelled"
    assert provider.status(unpaid.provider_ref).status == "cancelled"


def test_retried_capture_with_the_same_key_captures_once(fake_stripe):
    """A retried capture carries the same key and Stripe replays the first answer."""
    provider = StripeProvider()
    session = _open(provider)
    fake_stripe.customer_pays(session.provider_ref)

    first = provider.capture(
        session.provider_ref, amount_cents=2000, idempotency_key="pay-1:capture:1"
    )
    second = provider.capture(
        session.provider_ref, amount_cents=2000, idempotency_key="pay-1:capture:1"
    )

    assert first == second
    assert provider.status(session.provider_ref).captured_cents == 2000


def test_key_reused_with_other_parameters_is_refused(fake_stripe):
    """Stripe refuses a key reused for another request; the error is not retryable."""
    provider = StripeProvider()
    _open(provider, key="same")

    with pytest.raises(ProviderError) as info:
        _open(provider, key="same", amount=100)

    assert info.value.retryable is False


def test_server_error_is_retryable(fake_stripe):
    """A 5xx answer becomes a retryable provider error."""
    provider = StripeProvider()
    fake_stripe.fail_next(500, {"error": {"type": "api_error", "message": "Something went wrong."}})

    with pytest.raises(ProviderError) as info:
        _open(provider)

    assert info.value.retryable is True
    assert len(fake_stripe.requests) == 1  # the SDK did not retry on its own


def test_timeout_is_retryable(fake_stripe, settings):
    """No answer within the timeout becomes a retryable provider error."""
    settings.PANIER_PAYMENT_TIMEOUT_S = 0.3
    provider = StripeProvider()
    fake_stripe.hang_next()

    with pytest.raises(ProviderError) as info:
        _open(provider)

    assert info.value.retryable is True


def test_stored_card_is_charged_off_session(fake_stripe):
    """A subscription cycle charges the saved card as a merchant-initiated payment."""
    provider = StripeProvider()
    session = _open(provider, save_method=True)
    fake_stripe.customer_pays(session.provider_ref)
    method_ref = provider.status(session.provider_ref).method_ref

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

    assert isinstance(answer, ProviderStatus)
    assert (answer.status, answer.amount_cents) == ("authorised", 1800)
    assert answer.provider_ref.startswith("pi_")
    sent = fake_stripe.posts()[-1]
    assert sent.path == "/v1/payment_intents"
    assert sent.headers["idempotency-key"] == "pay-2:charge:1"
    assert sent.params["off_session"] == "true"
    assert sent.params["confirm"] == "true"
    assert (sent.params["customer"], sent.params["payment_method"]) == tuple(method_ref.split(":"))


def test_stored_card_asking_for_authentication_needs_the_customer(fake_stripe):
    """An issuer that wants the customer back gives a session, not a charge."""
    provider = StripeProvider()
    session = _open(provider, save_method=True)
    fake_stripe.customer_pays(session.provider_ref)
    method_ref = provider.status(session.provider_ref).method_ref
    fake_stripe.methods[method_ref.split(":")[1]]["card"] = CARD_3DS_REQUIRED

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

    assert isinstance(answer, ProviderSession)
    assert answer.provider_ref.startswith("pi_")
    assert provider.status(answer.provider_ref).status == "failed"


def test_stored_card_declined_is_an_answer(fake_stripe):
    """A declined off-session charge reads as failed with the decline code."""
    provider = StripeProvider()
    session = _open(provider, save_method=True)
    fake_stripe.customer_pays(session.provider_ref)
    method_ref = provider.status(session.provider_ref).method_ref
    fake_stripe.methods[method_ref.split(":")[1]]["card"] = CARD_DECLINED

    answer = provider.charge_stored(
        StoredCharge(
            method_ref=method_ref,
            customer_ref="",
            amount_cents=1800,
            currency="EUR",
            reference="P-0004",
            idempotency_key="pay-4:charge:1",
        )
    )

    assert (answer.status, answer.decline_code) == ("failed", "generic_decline")
    assert answer.provider_ref.startswith("pi_")


def test_webhook_with_a_good_signature_is_read(fake_stripe):
    """A signed event gives its id, kind and the object's id."""
    provider = StripeProvider()
    body = event_payload(
        "payment_intent.succeeded", {"id": "pi_123", "object": "payment_intent"}, "evt_1"
    )

    event = provider.parse_webhook({"Stripe-Signature": signature_header(body)}, body)

    assert (event.event_id, event.kind, event.provider_ref) == (
        "evt_1",
        "payment_intent.succeeded",
        "pi_123",
    )
    assert event.created_at is not None


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({}, event_payload("payment_intent.succeeded", {"id": "pi_1"})),
        (
            {"Stripe-Signature": "t=1,v1=00"},
            event_payload("payment_intent.succeeded", {"id": "pi_1"}),
        ),
        ({"Stripe-Signature": signature_header(b"{}", secret="whsec_other")}, b"{}"),
    ],
    ids=["missing", "forged", "other-secret"],
)
def test_webhook_with_a_bad_signature_is_rejected(fake_stripe, headers, body):
    """An event whose signature is missing or wrong is rejected."""
    with pytest.raises(WebhookRejected):
        StripeProvider().parse_webhook(headers, body)


@pytest.mark.parametrize(
    "body", [b"not json", b"{}", json.dumps({"id": "evt_1", "type": "x"}).encode()]
)
def test_webhook_with_a_malformed_body_is_rejected(fake_stripe, body):
    """A correctly signed but unreadable event is rejected, not a crash."""
    with pytest.raises(WebhookRejected):
        StripeProvider().parse_webhook({"stripe-signature": signature_header(body)}, body)
