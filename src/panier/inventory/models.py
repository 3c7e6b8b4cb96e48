from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.catalog.models import Variant


class Stock(models.Model):
    """How many units of a variant can still be sold.

    ``remaining`` already excludes the units reserved by placed orders;
    it only changes through conditional updates in ``inventory.services``.
    A variant without a stock row is not for sale.
    """

    variant = models.OneToOneField(Variant, on_delete=models.CASCADE, related_name="stock")
    remaining = models.IntegerField(_("units available"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(remaining__gte=0), name="stock_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.variant}: {self.remaining}"


class MovementReason(models.TextChoices):
    ADJUSTMENT = "adjustment", _("Stock count by the producer")
    RESERVED = "reserved", _("Reserved by an order")
    RELEASED = "released", _("Released by a cancelled or unpaid order")


class StockMovement(models.Model):
    """An append-only record of every change of stock."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="movements")
    delta = models.IntegerField()
    reason = models.CharField(max_length=20, choices=MovementReason.choices)
    reference = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.variant_id} {self.delta:+d} {self.reason}"
