import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.catalog.models import Variant
from panier.delivery.models import PickupPoint, SlotKind
from panier.hubs.models import Hub
from panier.orders.models import Order
from panier.payments.models import Payment, StoredPaymentMethod
from panier.subscriptions import rules


class Frequency(models.IntegerChoices):
    WEEKLY = rules.WEEKLY_DAYS, _("Every week")
    FORTNIGHTLY = rules.FORTNIGHTLY_DAYS, _("Every two weeks")


class ShortagePolicy(models.TextChoices):
    SKIP = rules.SKIP, _("Skip the delivery if something is missing")
    REDUCE = rules.REDUCE, _("Deliver what is available")


class SubscriptionStatus(models.TextChoices):
    PENDING_CARD = "pending_card", _("Waiting for your card")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")


class Subscription(models.Model):
    """A recurring basket: the same goods every week or fortnight.

    The slot pattern is the weekday of ``starts_on`` (hub time), the
    slot's local start time and its kind (and pickup point). Each cycle
    becomes a normal order, paid with the stored card.
    """

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING_CARD
    )
    every_days = models.PositiveSmallIntegerField(
        choices=Frequency.choices, default=Frequency.WEEKLY
    )
    starts_on = models.DateField(_("first delivery"))
    slot_kind = models.CharField(max_length=10, choices=SlotKind.choices)
    slot_time = models.TimeField(_("slot start (hub time)"))
    pickup_point = models.ForeignKey(
        PickupPoint, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shortage_policy = models.CharField(
        _("when a product is short"),
        max_length=10,
        choices=ShortagePolicy.choices,
        default=ShortagePolicy.REDUCE,
    )
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    email = models.EmailField()
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    phone = models.CharField(max_length=30)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=8, default="fr")
    payment_method = models.ForeignKey(
        StoredPaymentMethod, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The customer-present payment that authenticated the card.
    setup_payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    terms_accepted_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(slot_kind="pickup", pickup_point__isnull=False)
                    | models.Q(slot_kind="delivery", pickup_point__isnull=True)
                ),
                name="subscription_pickup_point_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(every_days__in=[7, 14]), name="subscription_frequency_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hub} #{self.pk} {self.status}"

    def is_due(self, on) -> bool:
        return rules.is_due(starts_on=self.starts_on, every_days=self.every_days, on=on)


class SubscriptionLine(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "variant"], name="subscription_line_unique_variant"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="subscription_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"


class SubscriptionSkip(models.Model):
    """A cycle the customer asked not to receive."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="skips")
    cycle_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "cycle_on"], name="subscription_skip_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} skips {self.cycle_on}"


class RunStatus(models.TextChoices):
    STARTED = "started", _("In progress")
    ORDERED = "ordered", _("Order placed and paid")
    SKIPPED = "skipped", _("Skipped at your request")
    PAUSED = "paused", _("Skipped (paused)")
    SHORT = "short", _("Skipped: products missing")
    NO_SLOT = "no_slot", _("Skipped: no slot available")
    NOT_PLACED = "not_placed", _("Skipped: the order could not be placed")
    PAYMENT_FAILED = "payment_failed", _("Payment refused")
    NEEDS_CUSTOMER = "needs_customer", _("Waiting for your bank's confirmation")
    PAYMENT_PENDING = "payment_pending", _("Payment in progress at the bank")


class SubscriptionRun(models.Model):
    """One cycle of a subscription; the unique constraint makes a cycle run once."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="runs")
    cycle_on = models.DateField()
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.STARTED)
    # The order of this cycle is placed with this token, so a resumed run
    # finds the same order instead of placing another.
    checkout_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_reduced = models.BooleanField(default=False)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-cycle_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "cycle_on"], name="subscription_run_once_per_cycle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.cycle_on} {self.status}"
