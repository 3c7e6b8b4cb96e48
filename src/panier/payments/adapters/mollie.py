"""Mollie adapter: Payments API with Mollie's hosted checkout.

* Card payments hold funds (``captureMode: manual``, which Mollie offers for
  cards, Klarna, Billie, Riverty and a few wallets) and are captured later
  through the Captures API; the remainder of the hold is released. A
  payment opened with manual capture is limited to ``method: creditcard``
  because other methods cannot hold funds.
* Stored methods are Mollie mandates. The first payment carries
  ``sequenceType: first`` and a Mollie customer; once it succeeds the
  payment names its ``mandateId``. Later merchant-initiated payments carry
  ``sequenceType: recurring`` with that customer and mandate. ``method_ref``
  is ``"<customer id>:<mandate id>"``.
* Mollie has no request field for SCA exemptions: its hosted checkout runs
  3-D Secure for every first card payment and flags recurring payments as
  merchant-initiated itself, so ``Exemption`` values need no translation.
* Mollie's payment webhooks carry only ``id=<payment id>`` and no
  signature. A notification is therefore verified by fetching that payment
  from the API with the shop's key: an id Mollie does not know is rejected,
  and the status used is the one Mollie answers, never the body's.

Amounts travel as strings with two decimals (``{"currency": "EUR",
"value": "12.30"}``) and are converted to and from integer cents exactly.
Every POST and DELETE carries an ``Idempotency-Key``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from mollie.api.client import Client
from mollie.api.error import Error as MollieError
from mollie.api.error import RequestError, RequestSetupError, ResponseError, ResponseHandlingError

from panier.payments.adapters.base import (
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

_PAYMENT_ID = re.compile(r"^tr_[A-Za-z0-9]{1,40}$")

_STATUS = {
    "open": "pending",
    "pending": "pending",
    "authorized": "authorised",
    "paid": "captured",
    "canceled": "cancelled",
    "expired": "cancelled",
    "failed": "failed",
}

_REFUND_STATUS = {
    "queued": "pending",
    "pending": "pending",
    "processing": "pending",
    "refunded": "succeeded",
    "failed": "failed",
    "canceled": "failed",
}


def amount_value(cents: int, currency: str) -> dict[str, str]:
    """Write integer cents the way Mollie expects amounts."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return {"currency": currency.upper(), "value": f"{sign}{cents // 100}.{cents % 100:02d}"}


def amount_cents_from(amount: Any) -> int:
    """Read a Mollie amount object back into integer cents (0 when absent)."""
    if not amount:
        return 0
    try:
        value = Decimal(str(amount["value"])) * 100
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise ProviderError("Mollie answered with an unreadable amount", retryable=False) from exc
    if value != value.to_integral_value():
        raise ProviderError("Mollie answered with an unreadable amount", retryable=False)
    return int(value)


def _provider_error(exc: MollieError) -> ProviderError:
    """Turn an SDK error into a ProviderError; timeouts and 5xx may be retried."""
    if isinstance(exc, RequestSetupError):
        retryable = False
    elif isinstance(exc, RequestError | ResponseHandlingError):
        retryable = True  # no answer, or an answer that is not Mollie's JSON (a proxy's 502 page)
    elif isinstance(exc, ResponseError):
        retryable = exc.status is not None and (exc.status >= 500 or exc.status == 429)
    else:
        retryable = False
    status = getattr(exc, "status", None)
    logger.warning("payment.mollie.error", extra={"http_status": status, "retryable": retryable})
    return ProviderError(
        f"Mollie call failed ({type(exc).__name__} {status or ''})".strip(), retryable=retryable
    )


def _payment_status(payment: Any) -> ProviderStatus:
    status = str(payment.get("status", ""))
    amount = amount_cents_from(payment.get("amount"))
    captured = amount_cents_from(payment.get("amountCaptured"))
    refunded = amount_cents_from(payment.get("amountRefunded"))
    mapped = _STATUS.get(status, "pending")
    if status == "paid":
        captured = captured or amount
        if refunded and refunded >= captured:
            mapped = "refunded"
    details = payment.get("details") or {}
    decline = str(details.get("failureReason", "") or "declined") if mapped == "failed" else ""
    method_ref = ""
    method_label = ""
    if payment.get("mandateId") and payment.get("customerId"):
        method_ref = f"{payment['customerId']}:{payment['mandateId']}"
        if details.get("cardNumber"):
            method_label = f"{details.get('cardLabel', '')} •••• {details['cardNumber']}".strip()
    return ProviderStatus(
        status=mapped,
        amount_cents=amount,
        decline_code=decline,
        captured_cents=captured,
        refunded_cents=refunded,
        method_ref=method_ref,
        provider_ref=str(payment.get("id", "")),
        method_label=method_label,
    )


class MollieProvider:
    name = "mollie"

    supports_partial_capture = True

    def __init__(self) -> None:
        if not settings.MOLLIE_API_KEY:
            raise ProviderError("Mollie is not configured (MOLLIE_API_KEY)", retryable=False)
        timeout = settings.PANIER_PAYMENT_TIMEOUT_S
        # retry=0: the shop decides when to retry, with the same idempotency key.
        self.client = Client(
            api_endpoint=settings.MOLLIE_API_BASE, timeout=(timeout, timeout), retry=0
        )
        self.client.set_api_key(settings.MOLLIE_API_KEY)

    def _fetch(self, provider_ref: str) -> Any:
        if not _PAYMENT_ID.match(provider_ref):
            raise ProviderError("Not a Mollie payment id", retryable=False)
        try:
            return self.client.payments.get(provider_ref)
        except MollieError as exc:
            raise _provider_error(exc) from exc

    def _customer(self, request: OpenRequest) -> str:
        if request.customer_ref.startswith("cst_"):
            return request.customer_ref
        try:
            customer = self.client.customers.create(
                {"metadata": {"ref": request.customer_ref}},
                idempotency_key=f"{request.idempotency_key}:customer",
            )
        except MollieError as exc:
            raise _provider_error(exc) from exc
        return str(customer["id"])

    def open(self, request: OpenRequest) -> ProviderSession:
        data: dict[str, Any] = {
            "amount": amount_value(request.amount_cents, request.currency),
            "description": request.description or request.reference,
            "redirectUrl": request.return_url,
            "cancelUrl": request.return_url,
            "metadata": {"reference": request.reference},
        }
        if request.manual_capture:
            data["captureMode"] = "manual"
            data["method"] = "creditcard"
        if request.save_method:
            data["sequenceType"] = "first"
            data["customerId"] = self._customer(request)
        try:
            payment = self.client.payments.create(data, idempotency_key=request.idempotency_key)
        except MollieError as exc:
            raise _provider_error(exc) from exc
        if amount_cents_from(payment.get("amount")) != request.amount_cents:
            raise ProviderError("Mollie answered with another amount", retryable=False)
        return ProviderSession(
            provider_ref=str(payment["id"]), redirect_url=payment.checkout_url or ""
        )

    def status(self, provider_ref: str) -> ProviderStatus:
        return _payment_status(self._fetch(provider_ref))

    def capture(
        self, provider_ref: str, *, amount_cents: int, idempotency_key: str
    ) -> ProviderStatus:
        payment = self._fetch(provider_ref)
        try:
            payment.captures.create(
                {"amount": amount_value(amount_cents, payment["amount"]["currency"])},
                idempotency_key=idempotency_key,
            )
        except MollieError as exc:
            raise _provider_error(exc) from exc
        return self.status(provider_ref)

    def void(self, provider_ref: str, *, idempotency_key: str) -> ProviderStatus:
        payment = self._fetch(provider_ref)
        try:
            if payment.get("status") == "authorized":
                # The release answers 202 and no payment body: read the status afterwards.
                response = self.client.perform_http_call(
                    "POST",
                    f"payments/{provider_ref}/release-authorization",
                    idempotency_key=idempotency_key,
                )
                if not 200 <= response.status_code < 300:
                    raise ProviderError(
                        f"Mollie call failed (release {response.status_code})",
                        retryable=response.status_code >= 500 or response.status_code == 429,
                    )
            else:
                self.client.payments.delete(provider_ref, idempotency_key=idempotency_key)
        except MollieError as exc:
            raise _provider_error(exc) from exc
        return self.status(provider_ref)

    def refund(self, provider_ref: str, *, amount_cents: int, idempotency_key: str) -> RefundResult:
        payment = self._fetch(provider_ref)
        try:
            refund = payment.refunds.create(
                {"amount": amount_value(amount_cents, payment["amount"]["currency"])},
                idempotency_key=idempotency_key,
            )
        except MollieError as exc:
            raise _provider_error(exc) from exc
        return RefundResult(
            refund_ref=str(refund["id"]),
            amount_cents=amount_cents_from(refund.get("amount")),
            status=_REFUND_STATUS.get(str(refund.get("status", "")), "pending"),
        )

    def charge_stored(self, charge: StoredCharge) -> ProviderStatus | ProviderSession:
        customer, _, mandate = charge.method_ref.rpartition(":")
        data: dict[str, Any] = {
            "amount": amount_value(charge.amount_cents, charge.currency),
            "description": charge.reference,
            "sequenceType": "recurring",
            "customerId": customer or charge.customer_ref,
            "mandateId": mandate,
            "metadata": {"reference": charge.reference, "exemption": str(charge.exemption)},
        }
        if charge.manual_capture:
            data["captureMode"] = "manual"
        try:
            payment = self.client.payments.create(data, idempotency_key=charge.idempotency_key)
        except MollieError as exc:
            raise _provider_error(exc) from exc
        return _payment_status(payment)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        try:
            fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise WebhookRejected("Malformed Mollie notification") from exc
        ids = fields.get("id", [])
        if len(ids) != 1 or not _PAYMENT_ID.match(ids[0]):
            raise WebhookRejected("Malformed Mollie notification")
        payment_id = ids[0]
        try:
            payment = self.client.payments.get(payment_id)
        except ResponseError as exc:
            if exc.status == 404:
                raise WebhookRejected("Mollie does not know this payment") from exc
            raise _provider_error(exc) from exc
        except MollieError as exc:
            raise _provider_error(exc) from exc
        state = _payment_status(payment)
        created = payment.get("createdAt")
        try:
            created_at = datetime.fromisoformat(created) if created else None
        except (TypeError, ValueError):
            created_at = None
        return WebhookEvent(
            # Mollie sends no event id: one event per distinct state of the payment.
            event_id=f"{payment_id}:{payment.get('status')}:{state.captured_cents}:{state.refunded_cents}",
            provider_ref=payment_id,
            kind=f"payment.{payment.get('status')}",
            created_at=created_at,
            raw=dict(payment),
        )
