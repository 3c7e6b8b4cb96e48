"""The interface every payment provider adapter implements.

An adapter speaks to one provider (the built-in sandbox, Stripe, Mollie…).
It never sees card data: the customer types it on the provider's hosted
page or fields. Every call that moves money carries an idempotency key so
that a retried call never charges or refunds twice. Adapters are called
with no database transaction open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from panier.core.errors import PanierError


class ProviderError(PanierError):
    """A provider call failed; ``retryable`` tells whether to try again."""

    code = "payment_provider_error"
    status = 502

    def __init__(self, message: str, *, retryable: bool):
        self.retryable = retryable
        super().__init__(message)


class WebhookRejected(PanierError):
    """A notification that cannot be trusted or read (bad signature, malformed body)."""

    code = "webhook_rejected"
    status = 400


class Exemption(StrEnum):
    """What the shop asks the provider for about strong customer authentication."""

    NONE = ""  # let the issuer decide; 3-D Secure when it asks
    CHALLENGE = "challenge"  # ask for authentication (first payment of a mandate)
    LOW_VALUE = "low_value"
    TRA = "transaction_risk_analysis"
    MIT = "merchant_initiated"  # customer not present, stored mandate
    RECURRING = "recurring"  # same amount, same payee, stored mandate


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """A customer-present payment to open on the provider's hosted page."""

    amount_cents: int
    currency: str
    reference: str
    idempotency_key: str
    return_url: str
    # Funds are held (manual capture) so that weighed goods and missing
    # items are captured at their final amount.
    manual_capture: bool = True
    exemption: Exemption = Exemption.NONE
    # Keep the card for later merchant-initiated payments (subscriptions).
    save_method: bool = False
    customer_ref: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class ProviderSession:
    """What the provider answered when a payment was opened."""

    provider_ref: str
    redirect_url: str


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """The authoritative state of a payment at the provider.

    ``status`` is one of: pending, requires_action, authorised, captured,
    failed, cancelled, refunded (refunded means fully refunded).
    """

    status: str
    amount_cents: int
    decline_code: str = ""
    captured_cents: int = 0
    refunded_cents: int = 0
    # Stored card/mandate id when the payment was opened with save_method.
    method_ref: str = ""
    # The payment's id at the provider (set by charge_stored, which creates one).
    provider_ref: str = ""
    # How to show the stored method to the customer, e.g. "Visa •••• 4242".
    method_label: str = ""


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_ref: str
    amount_cents: int
    status: str  # pending, succeeded, failed


@dataclass(frozen=True, slots=True)
class StoredCharge:
    """A merchant-initiated payment with a stored method (customer not present)."""

    method_ref: str
    customer_ref: str
    amount_cents: int
    currency: str
    reference: str
    idempotency_key: str
    exemption: Exemption = Exemption.MIT
    manual_capture: bool = True


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified provider notification, reduced to what the shop needs.

    The shop re-reads the payment's status from the provider (``status``)
    rather than trusting the event's order of arrival.
    """

    event_id: str
    provider_ref: str
    kind: str
    created_at: datetime | None = None
    raw: Mapping[str, object] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str
    # Whether the provider can take a capture smaller than the authorisation
    # and release the rest (all three built-in adapters can).
    supports_partial_capture: bool

    def open(self, request: OpenRequest) -> ProviderSession:
        """Open a payment the customer completes on the provider's page."""
        ...

    def status(self, provider_ref: str) -> ProviderStatus:
        """Return the provider's current state of a payment."""
        ...

    def capture(self, provider_ref: str, *, amount_cents: int, idempotency_key: str) -> ProviderStatus:
        """Capture ``amount_cents`` (at most the authorised amount); the rest is released."""
        ...

    def void(self, provider_ref: str, *, idempotency_key: str) -> ProviderStatus:
        """Cancel an authorisation that was not captured."""
        ...

    def refund(self, provider_ref: str, *, amount_cents: int, idempotency_key: str) -> RefundResult:
        """Refund part or all of a captured payment."""
        ...

    def charge_stored(self, charge: StoredCharge) -> ProviderStatus | ProviderSession:
        """Charge a stored method; a ProviderSession means the bank asks the customer to authenticate."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verify a notification's signature and read it; raise WebhookRejected if it is not genuine."""
        ...
