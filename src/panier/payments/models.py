import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.hubs.models import Hub


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the customer")
    AUTHORISED = "authorised", _("Authorised")
    CAPTURED = "captured", _("Captured")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")


class Payment(models.Model):
    """One attempt to collect money for a reference (an order number).

    Payments know nothing of orders: ``reference`` links them. The
    provider keeps the card data; only its identifiers are stored here.
    """

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="payments")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=50, db_index=True)
    provider = models.CharField(max_length=30)
    provider_ref = models.CharField(max_length=100, blank=True, db_index=True)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount_cents = models.BigIntegerField()
    captured_cents = models.BigIntegerField(default=0)
    refunded_cents = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, default="EUR")
    idempotency_key = models.CharField(max_length=100, unique=True)
    failure_code = models.CharField(max_length=50, blank=True)
    redirect_url = models.CharField(max_length=500, blank=True)
    # Strong customer authentication: what the shop asked the provider for.
    exemption = models.CharField(max_length=30, blank=True)
    # Customer-present payment that also asks to keep the card (consent given).
    save_method = models.BooleanField(default=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Merchant-initiated payment charged on a stored method.
    method = models.ForeignKey(
        "StoredPaymentMethod", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    # This payment is the one that paid its reference (the order): at most
    # one per reference, so two tabs paying the same order never both count.
    is_applied = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["provider", "provider_ref"]), models.Index(fields=["status", "updated_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(captured_cents__lte=models.F("amount_cents")),
                name="payment_capture_within_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_cents__lte=models.F("captured_cents")),
                name="payment_refund_within_capture",
            ),
            models.UniqueConstraint(
                fields=["reference"], condition=models.Q(is_applied=True), name="payment_applied_once_per_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.reference} {self.status}"


class StoredPaymentMethod(models.Model):
    """A card (or mandate) the customer agreed to keep for later payments.

    Saved when a customer-present payment opened with ``save_method`` was
    authorised (strong authentication happened then). Later charges are
    merchant-initiated and go to the provider the method was made with.
    """

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payment_methods"
    )
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    provider = models.CharField(max_length=30)
    method_ref = models.CharField(max_length=100)
    customer_ref = models.CharField(max_length=100, blank=True)
    label = models.CharField(max_length=60, blank=True)
    # The payment that set the method up (its authentication is the one
    # later merchant-initiated charges refer to).
    first_payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "method_ref"], name="stored_method_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.label or self.method_ref}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class OperationKind(models.TextChoices):
    CAPTURE = "capture", _("Capture")
    VOID = "void", _("Release")
    REFUND = "refund", _("Refund")


class PaymentOperation(models.Model):
    """One money-moving call to the provider after authorisation.

    The idempotency key is unique: a retried capture or refund finds its
    row and never moves money twice.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="operations")
    kind = models.CharField(max_length=10, choices=OperationKind.choices)
    amount_cents = models.BigIntegerField()
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=12, default="pending")  # pending, succeeded, failed
    provider_ref = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_cents__gte=0), name="operation_amount_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents} ({self.status})"


class ProviderEvent(models.Model):
    """The inbox of provider notifications: each one is handled once."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=60, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    # Set once the payment's status was re-read and applied; an event
    # stored but not processed (provider down) is processed on redelivery.
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class ReconciliationRun(models.Model):
    """One pass of the reconciliation of payments with their provider."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=20, default="command")  # command, task, page
    checked = models.PositiveIntegerField(default=0)
    settled = models.PositiveIntegerField(default=0)
    still_open = models.PositiveIntegerField(default=0)
    mismatches = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Reconciliation {self.started_at:%Y-%m-%d %H:%M}"


class ReconciliationOutcome(models.TextChoices):
    SETTLED = "settled", _("Settled")
    OPEN = "open", _("Still open")
    MISMATCH = "mismatch", _("Mismatch")
    CAPTURED = "captured", _("Captured")
    RELEASED = "released", _("Released")
    ERROR = "error", _("Provider error")


class ReconciliationItem(models.Model):
    """What reconciliation found and did for one payment."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="items")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=12, choices=ReconciliationOutcome.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.outcome}"


class SandboxIntent(models.Model):
    """The sandbox provider's own record of a payment (its "bank" side).

    Only the built-in ``sandbox`` provider uses this table; a real provider
    keeps this state on its own servers.
    """

    id = models.CharField(primary_key=True, max_length=40)
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=20, default="requires_payment")
    return_url = models.CharField(max_length=500)
    idempotency_key = models.CharField(max_length=100, unique=True)
    decline_code = models.CharField(max_length=50, blank=True)
    reference = models.CharField(max_length=50, blank=True)
    manual_capture = models.BooleanField(default=True)
    exemption = models.CharField(max_length=30, blank=True)
    save_method = models.BooleanField(default=False)
    customer_ref = models.CharField(max_length=100, blank=True)
    method_ref = models.CharField(max_length=40, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    captured_cents = models.BigIntegerField(default=0)
    refunded_cents = models.BigIntegerField(default=0)
    # A card that times out: the bank answers at this instant.
    settles_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.id} {self.status}"


class SandboxMethod(models.Model):
    """A card the sandbox keeps for merchant-initiated charges.

    Only the test card's behaviour and last digits are kept: the sandbox
    is a simulator and handles test cards only.
    """

    id = models.CharField(primary_key=True, max_length=40)
    customer_ref = models.CharField(max_length=100, blank=True)
    card = models.CharField(max_length=20)
    card_last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.id


class SandboxOperation(models.Model):
    """A capture, release or refund the sandbox performed, once per key."""

    idempotency_key = models.CharField(max_length=120, unique=True)
    intent = models.ForeignKey(SandboxIntent, on_delete=models.CASCADE, related_name="operations")
    kind = models.CharField(max_length=10)
    amount_cents = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.intent_id}"


class SandboxWebhook(models.Model):
    """A notification the sandbox owes the shop (its outbox)."""

    event_id = models.CharField(primary_key=True, max_length=40)
    intent = models.ForeignKey(SandboxIntent, on_delete=models.CASCADE, related_name="webhooks")
    kind = models.CharField(max_length=40)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "event_id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.intent_id}"
