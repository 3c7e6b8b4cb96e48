"""The built-in sandbox provider: a stand-in for a card payment provider.

It keeps its own records (``SandboxIntent``, ``SandboxMethod``…) as a
provider's servers would, and its hosted pages (``payments.views``) stand
in for the provider's payment and 3-D Secure pages, so the shop never
sees card data. Test cards:

* 4242 4242 4242 4242: accepted without a challenge (frictionless)
* 4000 0027 6000 3184: 3-D Secure challenge the customer approves or refuses
* 4000 0000 0000 9995: declined, insufficient funds
* 4000 0025 0000 3155: soft decline asking for authentication, then the
  challenge (also when charged later without the customer)
* 4000 0000 0000 0119: the bank does not answer in time; the payment stays
  pending until ``PANIER_SANDBOX_TIMEOUT_SETTLE_S`` has passed
* 4000 0000 0000 0002: declined (generic)

Every change of state leaves a signed notification in the sandbox's
outbox (``SandboxWebhook``), delivered to ``PANIER_SANDBOX_WEBHOOK_URL``
after commit or by ``panier payments deliver-webhooks``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from panier.core.sqlcache import KeptQuery
from panier.core.transactions import savepoint_if_nested
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
from panier.payments.models import SandboxIntent, SandboxMethod, SandboxOperation, SandboxWebhook

logger = logging.getLogger(__name__)

FRICTIONLESS = "4242424242424242"
CHALLENGE = "4000002760003184"
INSUFFICIENT_FUNDS = "4000000000009995"
SOFT_DECLINE = "4000002500003155"
TIMEOUT = "4000000000000119"
DECLINED = "4000000000000002"

#: Test card -> what it does, shown on the sandbox page.
TEST_CARDS = {
    FRICTIONLESS: "accepted",
    CHALLENGE: "3-D Secure challenge",
    INSUFFICIENT_FUNDS: "insufficient funds",
    SOFT_DECLINE: "authentication required",
    TIMEOUT: "no answer (timeout)",
    DECLINED: "declined",
}

SIGNATURE_HEADER = "Panier-Signature"

_STATUS = {
    "requires_payment": "pending",
    "requires_action": "requires_action",
    "processing": "pending",
    "authorised": "authorised",
    "captured": "captured",
    "failed": "failed",
    "cancelled": "cancelled",
    "refunded": "refunded",
}

_FIELDS = ["status", "decline_code", "method_ref", "card_last4", "captured_cents", "refunded_cents",
           "settles_at", "updated_at"]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _page_url(intent_id: str) -> str:
    return reverse("payments:sandbox_page", kwargs={"intent_id": intent_id})


class SandboxProvider:
    name = "sandbox"

    supports_partial_capture = True
    # The sandbox's acquirer runs its own risk analysis, so the shop may
    # ask it for the TRA exemption when its fraud rate allows it.
    supports_tra = True

    def open(self, request: OpenRequest) -> ProviderSession:
        intent = _intent_create(
            idempotency_key=request.idempotency_key,
            amount_cents=request.amount_cents,
            currency=request.currency,
            return_url=request.return_url,
            reference=request.reference,
            manual_capture=request.manual_capture,
            exemption=str(request.exemption),
            save_method=request.save_method,
            customer_ref=request.customer_ref,
        )
        return ProviderSession(provider_ref=intent.id, redirect_url=_page_url(intent.id))

    def status(self, provider_ref: str) -> ProviderStatus:
        intent = SANDBOX_INTENT(intent=provider_ref).first()
        if intent is None:
            raise ProviderError("unknown sandbox payment", retryable=False)
        if intent.status == "processing" and intent.settles_at and intent.settles_at <= timezone.now():
            intent = _settle_timeout(intent.pk)
        return _status_of(intent)

    def capture(self, provider_ref: str, *, amount_cents: int, idempotency_key: str) -> ProviderStatus:
        with transaction.atomic():
            intent = _locked(provider_ref)
            if SandboxOperation.objects.filter(idempotency_key=idempotency_key).exists():
                return _status_of(intent)
            if intent.status != "authorised":
                raise ProviderError(f"cannot capture a payment that is {intent.status}", retryable=False)
            if not 0 < amount_cents <= intent.amount_cents:
                raise ProviderError("capture amount above the authorisation", retryable=False)
            SandboxOperation.objects.create(
                idempotency_key=idempotency_key, intent=intent, kind="capture", amount_cents=amount_cents
            )
            intent.status = "captured"
            intent.captured_cents = amount_cents
            intent.save(update_fields=_FIELDS)
            _emit(intent, "payment.captured")
        return _status_of(intent)

    def void(self, provider_ref: str, *, idempotency_key: str) -> ProviderStatus:
        with transaction.atomic():
            intent = _locked(provider_ref)
            if SandboxOperation.objects.filter(idempotency_key=idempotency_key).exists():
                return _status_of(intent)
            if intent.status not in ("authorised", "requires_payment", "requires_action", "processing"):
                raise ProviderError(f"cannot release a payment that is {intent.status}", retryable=False)
            SandboxOperation.objects.create(idempotency_key=idempotency_key, intent=intent, kind="void", amount_cents=0)
            intent.status = "cancelled"
            intent.save(update_fields=_FIELDS)
            _emit(intent, "payment.cancelled")
        return _status_of(intent)

    def refund(self, provider_ref: str, *, amount_cents: int, idempotency_key: str) -> RefundResult:
        with transaction.atomic():
            intent = _locked(provider_ref)
            done = SandboxOperation.objects.filter(idempotency_key=idempotency_key).first()
            if done is not None:
                return RefundResult(refund_ref=f"re_{done.pk}", amount_cents=done.amount_cents, status="succeeded")
            if intent.status not in ("captured", "refunded"):
                raise ProviderError(f"cannot refund a payment that is {intent.status}", retryable=False)
            if not 0 < amount_cents <= intent.captured_cents - intent.refunded_cents:
                raise ProviderError("refund above what is left of the capture", retryable=False)
            op = SandboxOperation.objects.create(
                idempotency_key=idempotency_key, intent=intent, kind="refund", amount_cents=amount_cents
            )
            intent.refunded_cents += amount_cents
            if intent.refunded_cents == intent.captured_cents:
                intent.status = "refunded"
            intent.save(update_fields=_FIELDS)
            _emit(intent, "charge.refunded")
        return RefundResult(refund_ref=f"re_{op.pk}", amount_cents=amount_cents, status="succeeded")

    def charge_stored(self, charge: StoredCharge) -> ProviderStatus | ProviderSession:
        method = SandboxMethod.objects.filter(pk=charge.method_ref).first()
        if method is None:
            raise ProviderError("unknown stored payment method", retryable=False)
        intent = _intent_create(
            idempotency_key=charge.idempotency_key,
            amount_cents=charge.amount_cents,
            currency=charge.currency,
            return_url="",
            reference=charge.reference,
            manual_capture=charge.manual_capture,
            exemption=str(charge.exemption),
            save_method=False,
            customer_ref=charge.customer_ref,
        )
        if intent.status == "requires_payment":
            intent = _answer(intent.pk, method.card, customer_present=False)
        if intent.status == "requires_action":
            return ProviderSession(provider_ref=intent.id, redirect_url=_page_url(intent.id))
        return _status_of(intent)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        header = _header(headers, SIGNATURE_HEADER)
        verify_signature(body, header, now=time.time())
        try:
            data = json.loads(body)
            event = WebhookEvent(
                event_id=str(data["id"])[:100],
                provider_ref=str(data["data"]["payment"])[:100],
                kind=str(data["type"])[:60],
                created_at=datetime.fromtimestamp(int(data["created"]), tz=UTC),
                raw=data,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected("malformed notification body", reason="malformed") from exc
        return event


# The provider's side ---------------------------------------------------------


def _label(last4: str) -> str:
    return f"Visa •••• {last4}" if last4 else ""


def _status_of(intent: SandboxIntent) -> ProviderStatus:
    return ProviderStatus(
        provider_ref=intent.id,
        method_label=_label(intent.card_last4) if intent.method_ref else "",
        status=_STATUS[intent.status],
        amount_cents=intent.amount_cents,
        decline_code=intent.decline_code,
        captured_cents=intent.captured_cents,
        refunded_cents=intent.refunded_cents,
        method_ref=intent.method_ref,
    )


def _locked(provider_ref: str) -> SandboxIntent:
    intent = SandboxIntent.objects.select_for_update().filter(pk=provider_ref).first()
    if intent is None:
        raise ProviderError("unknown sandbox payment", retryable=False)
    return intent


def _intent_create(*, idempotency_key: str, amount_cents: int, **fields) -> SandboxIntent:
    # Insert first: a retry with the same key loses on the unique key and
    # reads the intent of the first call.
    try:
        if amount_cents <= 0:
            existing = SandboxIntent.objects.get(idempotency_key=idempotency_key)
        else:
            with savepoint_if_nested():
                existing = SandboxIntent.objects.create(
                    id=_new_id("sbx"), idempotency_key=idempotency_key, amount_cents=amount_cents, **fields
                )
    except SandboxIntent.DoesNotExist:
        raise ProviderError("the amount must be positive", retryable=False) from None
    except IntegrityError:
        existing = SandboxIntent.objects.get(idempotency_key=idempotency_key)
    if existing.amount_cents != amount_cents:
        raise ProviderError("idempotency key reused with another amount", retryable=False)
    return existing


#: A sandbox payment by its id (the page, the status asked by the shop).
SANDBOX_INTENT = KeptQuery("payments.sandbox_intent", lambda p: SandboxIntent.objects.filter(pk=p.str("intent")))
_INTENT_LOCKED = KeptQuery(
    "payments.sandbox_answer", lambda p: SandboxIntent.objects.select_for_update().filter(pk=p.str("intent"))
)


def _authorise(intent: SandboxIntent, card: str) -> None:
    intent.status = "authorised" if intent.manual_capture else "captured"
    if not intent.manual_capture:
        intent.captured_cents = intent.amount_cents
    intent.decline_code = ""
    if intent.save_method and not intent.method_ref:
        method = SandboxMethod.objects.create(
            id=_new_id("pm_sbx"), customer_ref=intent.customer_ref, card=card, card_last4=card[-4:]
        )
        intent.method_ref = method.pk


def _answer(intent_id: str, card: str, *, customer_present: bool) -> SandboxIntent:
    """Play the bank's answer to a card (customer on the page or not)."""
    with transaction.atomic():
        intent = _INTENT_LOCKED(intent=intent_id).get()
        if intent.status != "requires_payment":
            return intent
        intent.card_last4 = card[-4:]
        exempt = intent.exemption in (Exemption.LOW_VALUE, Exemption.TRA, Exemption.MIT, Exemption.RECURRING)
        if card == FRICTIONLESS:
            _authorise(intent, card)
        elif card == CHALLENGE and (customer_present or not exempt):
            intent.status = "requires_action"
        elif card == CHALLENGE:
            # A stored card charged without the customer: the issuer
            # accepts the merchant-initiated flag.
            _authorise(intent, card)
        elif card == SOFT_DECLINE:
            # Soft decline (Visa 1A): the issuer wants authentication; the
            # challenge follows, never a blind retry without it.
            intent.status = "requires_action"
            intent.decline_code = "authentication_required"
        elif card == INSUFFICIENT_FUNDS:
            intent.status = "failed"
            intent.decline_code = "insufficient_funds"
        elif card == TIMEOUT:
            intent.status = "processing"
            intent.settles_at = timezone.now() + timedelta(seconds=settings.PANIER_SANDBOX_TIMEOUT_SETTLE_S)
        else:
            intent.status = "failed"
            intent.decline_code = "card_declined"
        intent.save(update_fields=_FIELDS)
        if intent.status != "processing":
            # A bank that times out sends nothing either.
            _emit(intent, _event_kind(intent.status))
    return intent


def _event_kind(status: str) -> str:
    return {
        "authorised": "payment.authorised",
        "captured": "payment.captured",
        "failed": "payment.failed",
        "requires_action": "payment.requires_action",
        "cancelled": "payment.cancelled",
    }.get(status, "payment.updated")


def _settle_timeout(intent_id: str) -> SandboxIntent:
    with transaction.atomic():
        intent = SandboxIntent.objects.select_for_update().get(pk=intent_id)
        if intent.status == "processing":
            _authorise(intent, TIMEOUT)
            intent.settles_at = None
            intent.save(update_fields=_FIELDS)
            _emit(intent, _event_kind(intent.status))
    return intent


def sandbox_pay(*, intent_id: str, card_number: str) -> SandboxIntent:
    """Play the customer's answer on the sandbox page: pay with a test card."""
    return _answer(intent_id, _digits(card_number), customer_present=True)


def sandbox_challenge(*, intent_id: str, approve: bool) -> SandboxIntent:
    """Play the customer's answer to the 3-D Secure challenge."""
    with transaction.atomic():
        intent = SandboxIntent.objects.select_for_update().get(pk=intent_id)
        if intent.status != "requires_action":
            return intent
        if approve:
            _authorise(intent, CHALLENGE if intent.card_last4 == CHALLENGE[-4:] else SOFT_DECLINE)
        else:
            intent.status = "failed"
            intent.decline_code = "authentication_failed"
        intent.save(update_fields=_FIELDS)
        _emit(intent, _event_kind(intent.status))
    return intent


def sandbox_cancel(*, intent_id: str) -> SandboxIntent:
    """Play the customer's "cancel" on the sandbox page."""
    with transaction.atomic():
        intent = SandboxIntent.objects.select_for_update().get(pk=intent_id)
        if intent.status in ("requires_payment", "requires_action"):
            intent.status = "cancelled"
            intent.save(update_fields=["status", "updated_at"])
            _emit(intent, "payment.cancelled")
    return intent


# Signed notifications --------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def sign(body: bytes, *, timestamp: int, secret: str | None = None) -> str:
    """Return the signature header value for ``body`` sent at ``timestamp``."""
    key = (secret or settings.PANIER_SANDBOX_WEBHOOK_SECRET).encode()
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(body: bytes, header: str, *, now: float) -> None:
    """Check an HMAC-SHA256 signature header; raise WebhookRejected if it is wrong or stale."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        raise WebhookRejected("missing or unreadable signature", reason="bad_signature") from None
    expected = sign(body, timestamp=timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise WebhookRejected("bad signature", reason="bad_signature")
    if abs(now - timestamp) > settings.PANIER_SANDBOX_WEBHOOK_TOLERANCE_S:
        raise WebhookRejected("stale notification", reason="stale")


def _emit(intent: SandboxIntent, kind: str) -> None:
    """Queue a notification; the caller holds the intent's lock."""
    event_id = _new_id("evt_sbx")
    body = json.dumps(
        {"id": event_id, "type": kind, "created": int(time.time()), "data": {"payment": intent.pk}},
        separators=(",", ":"),
    )
    SandboxWebhook.objects.create(event_id=event_id, intent=intent, kind=kind, body=body)
    if settings.PANIER_SANDBOX_WEBHOOK_URL:
        transaction.on_commit(partial(sandbox_webhooks_deliver, event_ids=[event_id]))


def sandbox_webhooks_deliver(
    *,
    event_ids: Iterable[str] | None = None,
    url: str | None = None,
    times: int | None = None,
    newest_first: bool = False,
    timeout_s: float = 10.0,
) -> tuple[int, int]:
    """POST the undelivered notifications (or ``event_ids``) to the shop.

    Each one is sent ``times`` times (``PANIER_SANDBOX_WEBHOOK_COPIES`` by
    default), newest first if asked: the shop must cope with duplicates
    and disorder. Returns (delivered, failed); failures stay in the outbox
    with their error and are tried again next time.
    """
    url = url or settings.PANIER_SANDBOX_WEBHOOK_URL
    if not url:
        raise ProviderError("no webhook URL: set PANIER_SANDBOX_WEBHOOK_URL", retryable=False)
    times = times or settings.PANIER_SANDBOX_WEBHOOK_COPIES
    rows = SandboxWebhook.objects.all()
    rows = rows.filter(pk__in=list(event_ids)) if event_ids is not None else rows.filter(delivered_at=None)
    rows = list(rows.order_by("-created_at", "-event_id") if newest_first else rows)
    delivered = failed = 0
    for row in rows:
        error = ""
        for _ in range(times):
            body = row.body.encode()
            request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own setting
                url,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, timestamp=int(time.time()))},
            )
            try:
                with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
                    response.read()
            except urllib.error.HTTPError as exc:
                error = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                error = str(exc)[:200]
        fields = {"attempts": row.attempts + times, "last_error": error}
        if not error:
            fields["delivered_at"] = timezone.now()
            delivered += 1
        else:
            failed += 1
            logger.warning("sandbox.webhook_failed", extra={"event_id": row.pk, "error": error})
        SandboxWebhook.objects.filter(pk=row.pk).update(**fields)
    return delivered, failed
