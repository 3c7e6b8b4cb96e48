from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.orders.models import Order, OrderLine


class LineOutcome(models.TextChoices):
    PACKED = "packed", _("Packed")
    MISSING = "missing", _("Missing")
    SUBSTITUTED = "substituted", _("Substituted")


class Packing(models.Model):
    """How an order was prepared: bags, cold items, who finished it and when."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="packing")
    bags = models.PositiveSmallIntegerField(_("bags"), default=1)
    has_cold_items = models.BooleanField(_("cold items"), default=False)
    exceeds_authorised = models.BooleanField(
        default=False, help_text=_("The final amount is above what the customer authorised.")
    )
    finished_at = models.DateTimeField()
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(bags__gte=1), name="packing_at_least_one_bag")]

    def __str__(self) -> str:
        return f"Packing {self.order_id}"


class PackedLine(models.Model):
    """What became of one order line at packing."""

    packing = models.ForeignKey(Packing, on_delete=models.CASCADE, related_name="lines")
    line = models.OneToOneField(OrderLine, on_delete=models.CASCADE, related_name="packed")
    outcome = models.CharField(max_length=12, choices=LineOutcome.choices)
    packed_quantity = models.PositiveIntegerField()
    substitute = models.CharField(_("substitute"), max_length=150, blank=True)

    class Meta:
        ordering = ["line_id"]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.outcome}"


class CollectionListSent(models.Model):
    """A producer's collection list for a delivery day was e-mailed (sent once)."""

    producer = models.ForeignKey("producers.Producer", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField()
    recipients = models.CharField(max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["producer", "day"], name="collection_list_sent_once")]

    def __str__(self) -> str:
        return f"{self.producer_id} {self.day}"
