"""Payment writes. Provider calls happen outside transactions.

Every call that moves money carries an idempotency key, stored under a
unique constraint (``Payment.idempotency_key``, ``PaymentOperation``):
retrying a call, or two calls at once, never charges, captures or refunds
twice. The provider a payment was made with is kept on the row and used
for every later call, whatever the configured default is now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from panier.core.sqlcache import KeptQuery
from panier.core.transactions import savepoint_if_nested
from panier.hubs.models import Hub
from panier.payments.adapters.base import (
    Exemption,
    OpenRequest,
    ProviderError,
    ProviderSession,
    ProviderStatus,
    StoredCharge,
)
from panier.payments.adapters.registry import provider_get
from panier.payments.errors import (
    AmountInvalid,
    CaptureAboveAuthorised,
    PaymentMethodRevoked,
    PaymentStateInvalid,
    RefundAboveCaptured,
)
from panier.payments.models import (
    OperationKind,
    Payment,
    PaymentOperation,
    PaymentStatus,
    ProviderEvent,
    StoredPaymentMethod,
)

logger = logging.getLogger(__name__)

# Forward-only: a late or repeated answer never moves a payment back.
_FORWARD = {
    PaymentStatus.PENDING: {PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED, PaymentStatus.FAILED,
                            PaymentStatus.CANCELLED, PaymentStatus.EXPIRED, PaymentStatus.REFUNDED},
    PaymentStatus.AUTHORISED: {PaymentStatus.CAPTURED, PaymentStatus.CANCELLED, PaymentStatus.REFUNDED},
    PaymentStatus.CAPTURED: {PaymentStatus.REFUNDED},
}


def payment_open(
    *,
    hub: Hub,
    reference: str,
    amount_cents: int,
    idempotency_key: str,
    return_url: str,
    exemption: Exemption = Exemption.NONE,
    save_method: bool = False,
    customer=None,
) -> Payment:
    """Open a payment with the configured provider (idempotent on the key).

    The row is created first, then the provider is called with no
    transaction open; a retry with the same key reuses both. With
    ``save_method`` (the customer ticked the consent box), the card is
    kept once the payment is authorised (see ``payment_sync``).
    """
    if amount_cents <= 0:
        raise AmountInvalid()
    provider = provider_get()
    if save_method:
        # Storing a card needs strong authentication (challenge indicator 04).
        exemption = Exemption.CHALLENGE
    # Insert first: the first attempt (by far the most frequent call)
    # costs one statement; a retry loses on the unique key and reads the
    # row it created before.
    try:
        with savepoint_if_nested():
            payment = Payment.objects.create(
                idempotency_key=idempotency_key,
                hub=hub,
                reference=reference,
                provider=provider.name,
                amount_cents=amount_cents,
                currency=hub.currency,
                exemption=str(exemption),
                save_method=save_method,
                customer=customer if customer is not None and customer.is_authenticated else None,
            )
    except IntegrityError:
        payment = Payment.objects.get(idempotency_key=idempotency_key)
    if payment.provider_ref:
        return payment
    session = provider_get(payment.provider).open(
        OpenRequest(
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            reference=reference,
            idempotency_key=idempotency_key,
            return_url=return_url,
            exemption=Exemption(payment.exemption),
            save_method=payment.save_method,
            customer_ref=f"user-{payment.customer_id}" if payment.customer_id else "",
        )
    )
    Payment.objects.filter(pk=payment.pk).update(
        provider_ref=session.provider_ref, redirect_url=session.redirect_url
    )
    payment.provider_ref = session.provider_ref
    payment.redirect_url = session.redirect_url
    logger.info("payment.opened", extra={"payment_id": payment.pk, "provider": payment.provider})
    return payment


def payment_apply(*, payment_id: int, answer: ProviderStatus) -> Payment:
    """Apply a provider answer (from ``payment_status_fetch``) under the payment's lock, forward only.

    May run inside the caller's transaction; a caller that also locks the
    payment's order locks the order first.
    """
    return _apply(payment_id, answer)


_PAYMENT_LOCKED = KeptQuery("payments.apply_lock", lambda p: Payment.objects.select_for_update().filter(pk=p.int("payment")))


def _apply(payment_id: int, answer: ProviderStatus) -> Payment:
    """Apply a provider answer under the payment's lock, forward only."""
    # Inside a caller's transaction no savepoint: an error here ends that
    # transaction anyway.
    with transaction.atomic(savepoint=False):
        payment = _PAYMENT_LOCKED(payment=payment_id).get()
        fields = []
        target = answer.status
        if target in _FORWARD.get(payment.status, set()):
            payment.status = target
            payment.failure_code = answer.decline_code[:50]
            fields += ["status", "failure_code"]
            logger.info("payment.%s", target, extra={"payment_id": payment.pk})
        # Amounts only grow, and stay within the constraints.
        captured = min(max(answer.captured_cents, payment.captured_cents), payment.amount_cents)
        if target == PaymentStatus.CAPTURED and not answer.captured_cents:
            captured = payment.amount_cents
        if captured != payment.captured_cents:
            payment.captured_cents = captured
            fields.append("captured_cents")
        refunded = min(max(answer.refunded_cents, payment.refunded_cents), payment.captured_cents)
        if refunded != payment.refunded_cents:
            payment.refunded_cents = refunded
            fields.append("refunded_cents")
        if fields:
            payment.save(update_fields=[*fields, "updated_at"])
        if (
            payment.save_method
            and answer.method_ref
            and payment.customer_id
            and payment.status in (PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)
        ):
            _method_save(payment, answer)
    return payment


def _method_save(payment: Payment, answer: ProviderStatus) -> None:
    """Keep the card of an authorised payment opened with the customer's consent.

    Runs inside ``_apply``'s transaction, under the payment's lock.
    """
    if StoredPaymentMethod.objects.filter(provider=payment.provider, method_ref=answer.method_ref).exists():
        return
    StoredPaymentMethod.objects.create(
        customer_id=payment.customer_id,
        hub=payment.hub,
        provider=payment.provider,
        method_ref=answer.method_ref,
        customer_ref=f"user-{payment.customer_id}",
        label=answer.method_label[:60],
        first_payment=payment,
    )
    logger.info("payment.method_saved", extra={"payment_id": payment.pk})


def payment_status_fetch(*, payment: Payment) -> ProviderStatus | None:
    """Ask the payment's provider for its state (a network call: no transaction open).

    Returns None for a payment the provider has not opened yet. Raises
    ProviderError.
    """
    if not payment.provider_ref:
        return None
    return provider_get(payment.provider).status(payment.provider_ref)


def payment_sync(*, payment_id: int) -> Payment:
    """Read the payment's state at its provider and apply it if it moves forward."""
    payment = Payment.objects.get(pk=payment_id)
    answer = payment_status_fetch(payment=payment)
    if answer is None:
        return payment
    return _apply(payment.pk, answer)


def _operation_start(payment: Payment, *, kind: str, amount_cents: int, key: str, reason: str = "", actor=None):
    """Record the intent to call the provider; return (operation, created)."""
    try:
        with transaction.atomic():
            return PaymentOperation.objects.get_or_create(
                idempotency_key=key,
                defaults={"payment": payment, "kind": kind, "amount_cents": amount_cents,
                          "reason": reason[:300], "actor": actor},
            )
    except IntegrityError:
        return PaymentOperation.objects.get(idempotency_key=key), False


def _operation_end(operation: PaymentOperation, *, status: str, provider_ref: str = "") -> None:
    PaymentOperation.objects.filter(pk=operation.pk).update(status=status, provider_ref=provider_ref[:100])
    operation.status = status


def payment_capture(*, payment_id: int, amount_cents: int, idempotency_key: str) -> Payment:
    """Capture ``amount_cents`` of an authorised payment; the rest is released.

    Idempotent on the key. Raises AmountInvalid, CaptureAboveAuthorised,
    PaymentStateInvalid or ProviderError (nothing recorded as captured).
    """
    payment = Payment.objects.get(pk=payment_id)
    if amount_cents <= 0:
        raise AmountInvalid()
    if amount_cents > payment.amount_cents:
        raise CaptureAboveAuthorised(amount_cents=amount_cents, authorised_cents=payment.amount_cents)
    operation, created = _operation_start(
        payment, kind=OperationKind.CAPTURE, amount_cents=amount_cents, key=idempotency_key
    )
    if operation.status == "succeeded":
        return Payment.objects.get(pk=payment_id)
    if payment.status != PaymentStatus.AUTHORISED:
        if not created and payment.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
            # The same capture, already applied by a call running at the same time.
            return payment
        raise PaymentStateInvalid(status=payment.status)
    try:
        answer = provider_get(payment.provider).capture(
            payment.provider_ref, amount_cents=amount_cents, idempotency_key=idempotency_key
        )
    except ProviderError:
        _operation_end(operation, status="failed")
        raise
    # Apply before marking the operation done: a retry that finds it done
    # must also find the payment captured.
    payment = _apply(payment.pk, answer)
    _operation_end(operation, status="succeeded")
    return payment


def payment_void(*, payment_id: int, idempotency_key: str, reason: str = "") -> Payment:
    """Release an authorisation that will not be captured (idempotent on the key)."""
    payment = Payment.objects.get(pk=payment_id)
    operation, created = _operation_start(
        payment, kind=OperationKind.VOID, amount_cents=0, key=idempotency_key, reason=reason
    )
    if operation.status == "succeeded":
        return Payment.objects.get(pk=payment_id)
    if payment.status not in (PaymentStatus.AUTHORISED, PaymentStatus.PENDING):
        if not created and payment.status == PaymentStatus.CANCELLED:
            return payment
        raise PaymentStateInvalid(status=payment.status)
    try:
        answer = provider_get(payment.provider).void(payment.provider_ref, idempotency_key=idempotency_key)
    except ProviderError:
        _operation_end(operation, status="failed")
        raise
    payment = _apply(payment.pk, answer)
    _operation_end(operation, status="succeeded")
    return payment


def payment_refund(
    *, payment_id: int, amount_cents: int, idempotency_key: str, reason: str = "", actor=None
) -> PaymentOperation:
    """Refund part of a captured payment (idempotent on the key).

    The amount is claimed with a conditional update before the provider is
    called, so two refunds at once can never exceed the capture; a
    provider failure gives the claim back. Raises AmountInvalid,
    RefundAboveCaptured, PaymentStateInvalid or ProviderError.
    """
    if amount_cents <= 0:
        raise AmountInvalid()
    payment = Payment.objects.get(pk=payment_id)
    operation, created = _operation_start(
        payment, kind=OperationKind.REFUND, amount_cents=amount_cents, key=idempotency_key, reason=reason, actor=actor
    )
    if not created:
        # A refund that failed gave its claim back: the same key may try
        # again, once at a time (the status flip is the lock).
        retry = PaymentOperation.objects.filter(pk=operation.pk, status="failed").update(status="pending")
        if retry != 1:
            return operation
    if payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
        _operation_end(operation, status="failed")
        raise PaymentStateInvalid(status=payment.status)
    with transaction.atomic():
        won = Payment.objects.filter(
            pk=payment.pk, captured_cents__gte=F("refunded_cents") + amount_cents
        ).update(refunded_cents=F("refunded_cents") + amount_cents)
    if won != 1:
        _operation_end(operation, status="failed")
        raise RefundAboveCaptured(amount_cents=amount_cents)
    try:
        result = provider_get(payment.provider).refund(
            payment.provider_ref, amount_cents=amount_cents, idempotency_key=idempotency_key
        )
    except ProviderError:
        Payment.objects.filter(pk=payment.pk).update(refunded_cents=F("refunded_cents") - amount_cents)
        _operation_end(operation, status="failed")
        raise
    if result.status == "failed":
        Payment.objects.filter(pk=payment.pk).update(refunded_cents=F("refunded_cents") - amount_cents)
        _operation_end(operation, status="failed", provider_ref=result.refund_ref)
        raise ProviderError("the provider refused the refund", retryable=False)
    _operation_end(operation, status="succeeded", provider_ref=result.refund_ref)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.refunded_cents == payment.captured_cents and payment.status == PaymentStatus.CAPTURED:
            payment.status = PaymentStatus.REFUNDED
            payment.save(update_fields=["status", "updated_at"])
    logger.info("payment.refunded", extra={"payment_id": payment.pk, "amount_cents": amount_cents})
    return operation


@dataclass(frozen=True)
class StoredChargeResult:
    """The outcome of a merchant-initiated charge.

    ``payment.status`` is authorised (or captured) when it went through;
    ``redirect_url`` is set when the bank asks the customer to
    authenticate (send them there; the payment stays pending).
    """

    payment: Payment
    redirect_url: str = ""

    @property
    def needs_customer(self) -> bool:
        return bool(self.redirect_url)


def payment_charge_stored(
    *,
    hub: Hub,
    reference: str,
    amount_cents: int,
    method: StoredPaymentMethod,
    idempotency_key: str,
    exemption: Exemption = Exemption.RECURRING,
    manual_capture: bool = True,
) -> StoredChargeResult:
    """Charge a stored method without the customer (merchant-initiated).

    Goes to the provider the method was saved with. Idempotent on the key:
    a retry returns the same payment and never charges twice. Raises
    AmountInvalid, PaymentMethodRevoked or ProviderError.
    """
    if amount_cents <= 0:
        raise AmountInvalid()
    if method.revoked_at is not None:
        raise PaymentMethodRevoked()
    try:
        with transaction.atomic():
            payment, _ = Payment.objects.get_or_create(
                idempotency_key=idempotency_key,
                defaults={
                    "hub": hub,
                    "reference": reference,
                    "provider": method.provider,
                    "amount_cents": amount_cents,
                    "currency": hub.currency,
                    "exemption": str(exemption),
                    "customer_id": method.customer_id,
                    "method": method,
                },
            )
    except IntegrityError:
        payment = Payment.objects.get(idempotency_key=idempotency_key)
    if payment.status != PaymentStatus.PENDING:
        return StoredChargeResult(payment=payment)
    answer = provider_get(payment.provider).charge_stored(
        StoredCharge(
            method_ref=method.method_ref,
            customer_ref=method.customer_ref,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            reference=reference,
            idempotency_key=idempotency_key,
            exemption=exemption,
            manual_capture=manual_capture,
        )
    )
    if isinstance(answer, ProviderSession):
        Payment.objects.filter(pk=payment.pk).update(
            provider_ref=answer.provider_ref, redirect_url=answer.redirect_url
        )
        payment.refresh_from_db()
        logger.info("payment.stored_needs_customer", extra={"payment_id": payment.pk})
        return StoredChargeResult(payment=payment, redirect_url=answer.redirect_url)
    if answer.provider_ref:
        Payment.objects.filter(pk=payment.pk).update(provider_ref=answer.provider_ref)
    payment = _apply(payment.pk, answer)
    logger.info("payment.stored_charged", extra={"payment_id": payment.pk, "status": payment.status})
    return StoredChargeResult(payment=payment)


def payment_method_revoke(*, method: StoredPaymentMethod) -> StoredPaymentMethod:
    """Forget a stored method: no later charge may use it."""
    if method.revoked_at is None:
        method.revoked_at = timezone.now()
        method.save(update_fields=["revoked_at"])
    return method


def provider_event_record(*, provider: str, event_id: str, kind: str, provider_ref: str, payload: dict):
    """Store a verified notification once; return (event, already_processed)."""
    try:
        with transaction.atomic():
            event, _ = ProviderEvent.objects.get_or_create(
                provider=provider,
                event_id=event_id,
                defaults={"kind": kind, "provider_ref": provider_ref, "payload": payload},
            )
    except IntegrityError:
        event = ProviderEvent.objects.get(provider=provider, event_id=event_id)
    return event, event.processed_at is not None


def provider_event_done(*, event: ProviderEvent) -> None:
    """Mark a notification as applied: a redelivery changes nothing."""
    ProviderEvent.objects.filter(pk=event.pk, processed_at=None).update(processed_at=timezone.now())
