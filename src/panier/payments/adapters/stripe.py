"""Stripe adapter: Checkout Sessions for customer-present payments,
PaymentIntents for captures, voids and merchant-initiated charges.

The customer types card data on Stripe's hosted Checkout page only, so
Panier stays in the SAQ-A scope. Funds are held (``capture_method=manual``)
and captured later at the final amount.

Identifiers handed back to the shop:

* ``provider_ref`` is the Checkout Session id (``cs_…``) for payments
  opened with :meth:`StripeProvider.open`, and the PaymentIntent id
  (``pi_…``) for stored-method charges. Every method accepts both.
* ``method_ref`` (a stored card) is ``"<customer id>:<payment method id>"``
  because Stripe needs both to charge a saved card off-session.

Strong customer authentication: Stripe applies the low-value and
transaction-risk exemptions itself when it is left to decide
(``request_three_d_secure=automatic``), so only ``Exemption.CHALLENGE``
changes the request. Merchant-initiated charges are flagged with
``off_session=true``, which is how Stripe marks an MIT.

Every POST carries an ``Idempotency-Key``; the SDK's own retries are off so
that the shop's retry policy (``ProviderError.retryable``) is the only one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe
from django.conf import settings

from panier.payments.adapters.base import (
    Exemption,
    OpenRequest,
    ProviderError,
    ProviderSession,
    ProviderStatus,
    RefundResult,
    StoredCharge,
    WebhookEvent,
    WebhookRejected,
)

logger = logging.getLogger(__name__)

_REFUND_STATUS = {
    "pending": "pending",
    "requires_action": "pending",
    "succeeded": "succeeded",
    "failed": "failed",
    "canceled": "failed",
}


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    try:
        value = obj[key]
    except (KeyError, TypeError, AttributeError):
        return default
    return default if value is None else value


def _id_of(value: Any) -> str:
    """Return the id of an expandable field (an id string or an object)."""
    if isinstance(value, str):
        return value
    return str(_get(value, "id", ""))


def _provider_error(exc: stripe.StripeError) -> ProviderError:
    """Turn an SDK error into a ProviderError; never repeat card details."""
    retryable = isinstance(
        exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError
    ) or (exc.http_status is not None and exc.http_status >= 500)
    if isinstance(exc, stripe.IdempotencyError):
        retryable = False
    code = exc.code or type(exc).__name__
    logger.warning(
        "payment.stripe.error",
        extra={"code": code, "http_status": exc.http_status, "retryable": retryable},
    )
    return ProviderError(f"Stripe call failed ({code})", retryable=retryable)


def _intent_status(intent: Any) -> ProviderStatus:
    status = _get(intent, "status", "")
    amount = int(_get(intent, "amount", 0))
    error = _get(intent, "last_payment_error")
    decline = str(_get(error, "decline_code", "") or _get(error, "code", ""))
    charge = _get(intent, "latest_charge")
    refunded = int(_get(charge, "amount_refunded", 0)) if not isinstance(charge, str) else 0
    captured = int(_get(intent, "amount_received", 0))
    method_ref = ""
    method_label = ""
    if _get(intent, "setup_future_usage") == "off_session" and _get(intent, "customer"):
        method = _get(intent, "payment_method", "")
        method_ref = f"{_id_of(intent['customer'])}:{_id_of(method)}"
        card = _get(method, "card") if not isinstance(method, str) else None
        if card:
            method_label = f"{str(_get(card, 'brand', '')).title()} •••• {_get(card, 'last4', '')}"
    if status == "requires_payment_method":
        mapped = "failed" if error else "pending"
    elif status == "requires_action":
        mapped = "requires_action"
    elif status == "requires_capture":
        mapped = "authorised"
    elif status == "succeeded":
        mapped = "refunded" if captured and refunded >= captured else "captured"
    elif status == "canceled":
        mapped = "cancelled"
    else:  # requires_confirmation, processing
        mapped = "pending"
    return ProviderStatus(
        status=mapped,
        amount_cents=amount,
        decline_code=decline if mapped == "failed" else "",
        captured_cents=captured,
        refunded_cents=refunded,
        method_ref=method_ref,
        provider_ref=str(_get(intent, "id", "")),
        method_label=method_label,
    )


class StripeProvider:
    name = "stripe"

    supports_partial_capture = True

    def __init__(self) -> None:
        if not settings.STRIPE_SECRET_KEY:
            raise ProviderError("Stripe is not configured (STRIPE_SECRET_KEY)", retryable=False)
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=settings.PANIER_PAYMENT_TIMEOUT_S),
        )

    # Customer-present payments -------------------------------------------------

    def open(self, request: OpenRequest) -> ProviderSession:
        intent_data: dict[str, Any] = {
            "capture_method": "manual" if request.manual_capture else "automatic",
            "metadata": {"reference": request.reference},
        }
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": request.reference,
            "success_url": request.return_url,
            "cancel_url": request.return_url,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount_cents,
                        "product_data": {"name": request.description or request.reference},
                    },
                }
            ],
            "payment_intent_data": intent_data,
            "metadata": {"reference": request.reference},
        }
        if request.exemption == Exemption.CHALLENGE:
            params["payment_method_options"] = {"card": {"request_three_d_secure": "challenge"}}
        if request.save_method:
            intent_data["setup_future_usage"] = "off_session"
            if request.customer_ref.startswith("cus_"):
                params["customer"] = request.customer_ref
            else:
                params["customer_creation"] = "always"
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        if int(_get(session, "amount_total", request.amount_cents)) != request.amount_cents:
            raise ProviderError("Stripe answered with another amount", retryable=False)
        return ProviderSession(provider_ref=session["id"], redirect_url=_get(session, "url", ""))

    def _intent(self, provider_ref: str) -> Any:
        """Fetch the PaymentIntent behind a session or intent id (None if not created yet)."""
        try:
            if provider_ref.startswith("cs_"):
                session = self.client.v1.checkout.sessions.retrieve(
                    provider_ref,
                    params={
                        "expand": [
                            "payment_intent",
                            "payment_intent.latest_charge",
                            "payment_intent.payment_method",
                        ]
                    },
                )
                intent = _get(session, "payment_intent")
                if not intent:
                    return session
                return intent
            return self.client.v1.payment_intents.retrieve(
                provider_ref, params={"expand": ["latest_charge"]}
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc

    def status(self, provider_ref: str) -> ProviderStatus:
        obj = self._intent(provider_ref)
        if _get(obj, "object") == "checkout.session":
            gone = _get(obj, "status") == "expired"
            return ProviderStatus(
                status="cancelled" if gone else "pending",
                amount_cents=int(_get(obj, "amount_total", 0)),
            )
        return _intent_status(obj)

    def _intent_id(self, provider_ref: str) -> str:
        if not provider_ref.startswith("cs_"):
            return provider_ref
        obj = self._intent(provider_ref)
        if _get(obj, "object") == "checkout.session":
            raise ProviderError("The customer has not paid yet", retryable=False)
        return str(obj["id"])

    # Money movements --------------------------------------------------------------

    def capture(
        self, provider_ref: str, *, amount_cents: int, idempotency_key: str
    ) -> ProviderStatus:
        intent_id = self._intent_id(provider_ref)
        try:
            intent = self.client.v1.payment_intents.capture(
                intent_id,
                params={"amount_to_capture": amount_cents},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        return _intent_status(intent)

    def void(self, provider_ref: str, *, idempotency_key: str) -> ProviderStatus:
        obj = self._intent(provider_ref)
        try:
            if _get(obj, "object") == "checkout.session":
                session = self.client.v1.checkout.sessions.expire(
                    str(obj["id"]), options={"idempotency_key": idempotency_key}
                )
                return ProviderStatus(
                    status="cancelled", amount_cents=int(_get(session, "amount_total", 0))
                )
            intent = self.client.v1.payment_intents.cancel(
                str(obj["id"]), options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        return _intent_status(intent)

    def refund(self, provider_ref: str, *, amount_cents: int, idempotency_key: str) -> RefundResult:
        intent_id = self._intent_id(provider_ref)
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": intent_id, "amount": amount_cents},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        return RefundResult(
            refund_ref=str(refund["id"]),
            amount_cents=int(refund["amount"]),
            status=_REFUND_STATUS.get(str(_get(refund, "status", "")), "pending"),
        )

    def charge_stored(self, charge: StoredCharge) -> ProviderStatus | ProviderSession:
        customer, _, method = charge.method_ref.rpartition(":")
        customer = customer or charge.customer_ref
        params: dict[str, Any] = {
            "amount": charge.amount_cents,
            "currency": charge.currency.lower(),
            "payment_method": method,
            "confirm": True,
            "off_session": True,
            "capture_method": "manual" if charge.manual_capture else "automatic",
            "metadata": {"reference": charge.reference, "exemption": str(charge.exemption)},
        }
        if customer:
            params["customer"] = customer
        try:
            intent = self.client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": charge.idempotency_key},
            )
        except stripe.CardError as exc:
            # A decline is an answer, not a failure of the call.
            intent = _get(exc.error, "payment_intent") if exc.error else None
            if exc.code == "authentication_required" and intent is not None:
                return ProviderSession(provider_ref=str(intent["id"]), redirect_url="")
            return ProviderStatus(
                status="failed",
                amount_cents=charge.amount_cents,
                provider_ref=str(_get(intent, "id", "")),
                decline_code=str(
                    _get(exc.error, "decline_code", "") or exc.code or "card_declined"
                ),
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        if _get(intent, "status") == "requires_action":
            redirect = _get(_get(_get(intent, "next_action"), "redirect_to_url"), "url", "")
            return ProviderSession(provider_ref=str(intent["id"]), redirect_url=redirect)
        return _intent_status(intent)

    # Notifications ------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)")
        signature = next((v for k, v in headers.items() if k.lower() == "stripe-signature"), None)
        if not signature:
            raise WebhookRejected("Missing Stripe-Signature header")
        try:
            event = stripe.Webhook.construct_event(body, signature, secret)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRejected("Stripe signature does not match") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected("Malformed Stripe event") from exc
        obj = _get(_get(event, "data"), "object")
        event_id = _get(event, "id", "")
        kind = _get(event, "type", "")
        if not event_id or not kind or not _get(obj, "id"):
            raise WebhookRejected("Malformed Stripe event")
        created = _get(event, "created")
        try:
            created_at = (
                datetime.fromtimestamp(int(created), tz=UTC) if created is not None else None
            )
        except (TypeError, ValueError, OverflowError) as exc:
            raise WebhookRejected("Malformed Stripe event") from exc
        return WebhookEvent(
            event_id=str(event_id),
            provider_ref=str(obj["id"]),
            kind=str(kind),
            created_at=created_at,
            raw=obj.to_dict() if hasattr(obj, "to_dict") else dict(obj),
        )
