"""Provider notifications: verify, store once, re-read, apply forward only."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from panier.checkout.services import checkout_payment_settle
from panier.payments.adapters.registry import provider_get
from panier.payments.models import Payment
from panier.payments.services import provider_event_done, provider_event_record

logger = logging.getLogger(__name__)


def checkout_webhook_receive(*, provider: str, headers: Mapping[str, str], body: bytes) -> str:
    """Handle one notification; return "processed", "duplicate" or "ignored".

    The adapter checks the signature (WebhookRejected otherwise). The
    event is stored once (unique per provider and id); the payment's
    status is then read from the provider, never from the event, so
    notifications arriving late, twice or out of order are harmless.
    A ProviderError while reading the status leaves the event unprocessed:
    the provider's redelivery (or reconciliation) applies it later.
    """
    event = provider_get(provider).parse_webhook(headers, body)
    stored, done = provider_event_record(
        provider=provider,
        event_id=event.event_id,
        kind=event.kind,
        provider_ref=event.provider_ref,
        payload=dict(event.raw),
    )
    if done:
        logger.info("webhook.duplicate", extra={"provider": provider, "event_id": event.event_id})
        return "duplicate"
    payment = Payment.objects.filter(provider=provider, provider_ref=event.provider_ref).first()
    if payment is None:
        logger.warning("webhook.unknown_payment", extra={"provider": provider, "event_id": event.event_id})
        provider_event_done(event=stored)
        return "ignored"
    checkout_payment_settle(payment_id=payment.pk)
    provider_event_done(event=stored)
    logger.info("webhook.processed", extra={"provider": provider, "payment_id": payment.pk, "kind": event.kind})
    return "processed"
