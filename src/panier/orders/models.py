import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from panier.catalog.models import Variant
from panier.delivery.models import PickupPoint, Slot, Zone
from panier.hubs.models import Hub
from panier.orders import rules
from panier.producers.models import Producer
from panier.tax.vat_numbers import INTRA_EU
from panier.tax.vat_numbers import VatTreatment as TaxTreatment


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = rules.PENDING_PAYMENT, _("Waiting for payment")
    PAID = rules.PAID, _("Paid")
    IN_PREPARATION = rules.IN_PREPARATION, _("In preparation")
    READY = rules.READY, _("Ready")
    OUT_FOR_DELIVERY = rules.OUT_FOR_DELIVERY, _("Out for delivery")
    READY_FOR_PICKUP = rules.READY_FOR_PICKUP, _("Ready for pickup")
    DELIVERED = rules.DELIVERED, _("Delivered")
    CANCELLED = rules.CANCELLED, _("Cancelled")
    PAYMENT_FAILED = rules.PAYMENT_FAILED, _("Payment failed")
    REFUNDED = rules.REFUNDED, _("Refunded")


class Fulfilment(models.TextChoices):
    DELIVERY = "delivery", _("Home delivery")
    PICKUP = "pickup", _("Pickup")


class SellerOfRecord(models.TextChoices):
    HUB = "hub", _("The hub")
    PRODUCER = "producer", _("The producer")


class VatTreatment(models.TextChoices):
    CHARGE = TaxTreatment.CHARGE, _("VAT charged")
    INTRA_EU_EXEMPT = TaxTreatment.INTRA_EU_EXEMPT, _("Intra-EU supply, exempt (reverse charge)")
    FRANCHISE = TaxTreatment.FRANCHISE, _("Small-business exemption")


class TaxPlace(models.TextChoices):
    ORIGIN = "origin", _("Seller's member state")
    DESTINATION = "destination", _("Consumer's member state")


class Order(models.Model):
    """A customer's order at one hub; prices are frozen at placement."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(max_length=30, unique=True)
    checkout_token = models.UUIDField(unique=True)
    access_key = models.UUIDField(default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    email = models.EmailField(_("e-mail"))
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32)
    fulfilment = models.CharField(max_length=10, choices=Fulfilment.choices)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    delivery_notes = models.CharField(max_length=300, blank=True)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, null=True, blank=True)
    pickup_point = models.ForeignKey(PickupPoint, on_delete=models.PROTECT, null=True, blank=True)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="orders")
    goods_cents = models.BigIntegerField()
    delivery_fee_cents = models.BigIntegerField(default=0)
    total_cents = models.BigIntegerField()
    vat_cents = models.BigIntegerField()
    vat_breakdown = models.JSONField(default=list)
    currency = models.CharField(max_length=3, default="EUR")
    language = models.CharField(max_length=8, default="fr")
    terms_accepted_at = models.DateTimeField()
    placed_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_due_by = models.DateTimeField(
        help_text=_("Stock and slot are released if payment has not arrived by then.")
    )
    has_weighed_items = models.BooleanField(default=False)
    allow_substitutions = models.BooleanField(
        _("accept a similar item if one is missing"), default=False
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    final_total_cents = models.BigIntegerField(
        null=True,
        blank=True,
        help_text=_("Amount to capture once packed: weighed, missing and substituted items applied."),
    )
    # Where the customer is, for the place of supply and the invoice: the
    # delivery address's country, the pickup point's (the hub's) for a
    # pickup, a company's billing country when the customer buys for one.
    customer_country = models.CharField(_("customer's country"), max_length=2, default="FR")
    address_country = models.CharField(_("delivery country"), max_length=2, blank=True)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    company_vat_number = models.CharField(_("company VAT number"), max_length=20, blank=True)
    company_siret = models.CharField(_("SIREN or SIRET"), max_length=14, blank=True)
    company_address = models.CharField(_("billing address"), max_length=300, blank=True)
    # How VAT applied, kept forever with the VIES evidence it relied on.
    vat_treatment = models.CharField(
        _("VAT treatment"), max_length=20, choices=VatTreatment.choices, default=VatTreatment.CHARGE
    )
    vies_status = models.CharField(_("VIES check"), max_length=20, blank=True)
    vies_checked_at = models.DateTimeField(_("VIES checked at"), null=True, blank=True)
    vies_consultation_number = models.CharField(_("VIES consultation number"), max_length=100, blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        indexes = [models.Index(fields=["hub", "status"]), models.Index(fields=["slot", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_cents=models.F("goods_cents") + models.F("delivery_fee_cents")),
                name="order_total_is_goods_plus_fee",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(fulfilment="pickup", pickup_point__isnull=False)
                    | models.Q(fulfilment="delivery", zone__isnull=False)
                ),
                name="order_fulfilment_has_place",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", kwargs={"number": self.number})

    @property
    def is_pickup(self) -> bool:
        return self.fulfilment == Fulfilment.PICKUP

    @property
    def customer_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_intra_eu_exempt(self) -> bool:
        return self.vat_treatment == VatTreatment.INTRA_EU_EXEMPT

    @property
    def vat_mention(self) -> str:
        """The legal mention of an exempt order (the invoice carries it too)."""
        return INTRA_EU.mention if self.is_intra_eu_exempt else ""


class OrderLine(models.Model):
    """A frozen line of an order: what was bought, from whom, at what price."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="order_lines")
    product_name = models.CharField(max_length=150)
    variant_label = models.CharField(max_length=50)
    seller_of_record = models.CharField(max_length=10, choices=SellerOfRecord.choices)
    seller_name = models.CharField(max_length=200)
    seller_vat_regime = models.CharField(max_length=20)
    quantity = models.PositiveIntegerField()
    unit_price_cents = models.BigIntegerField(
        help_text=_("Price incl. VAT of one unit, or per kg for goods sold by weight.")
    )
    sold_by_weight = models.BooleanField(default=False)
    estimated_weight_g = models.PositiveIntegerField(null=True, blank=True)
    final_weight_g = models.PositiveIntegerField(null=True, blank=True)
    line_total_cents = models.BigIntegerField()
    final_total_cents = models.BigIntegerField(null=True, blank=True)
    # What was refunded for this line alone, so that no line is refunded twice.
    refunded_cents = models.BigIntegerField(default=0)
    tax_category = models.CharField(max_length=20)
    tax_rate_bp = models.PositiveIntegerField()
    #: Where the line was taxed (art. 59c threshold): in the seller's member
    #: state ("origin") or the consumer's ("destination"), and the member
    #: state whose rate ``tax_rate_bp`` is. Frozen at placement.
    tax_place = models.CharField(max_length=12, choices=TaxPlace.choices, default=TaxPlace.ORIGIN)
    tax_country = models.CharField(max_length=2, default="FR")
    has_withdrawal_right = models.BooleanField(default=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orderline_quantity_positive"),
            models.CheckConstraint(condition=models.Q(line_total_cents__gte=0), name="orderline_total_positive"),
            models.CheckConstraint(condition=models.Q(refunded_cents__gte=0), name="orderline_refund_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name} {self.variant_label}"


class OrderEvent(models.Model):
    """The history of an order: who changed what, and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


class Withdrawal(models.Model):
    """A customer's withdrawal from an order (C. conso L221-21, online function).

    Created at the first step; ``confirmed_at`` is set at the separate
    confirmation step, when the acknowledgement is e-mailed.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="withdrawals")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Withdrawal {self.order_id}"
