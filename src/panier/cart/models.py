import uuid

from django.conf import settings
from django.db import models

from panier.catalog.models import Variant
from panier.hubs.models import Hub


class Cart(models.Model):
    """A basket at one hub, held by a session (anonymous) or a user."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="carts")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="carts",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "user"],
                condition=models.Q(user__isnull=False),
                name="one_cart_per_user_and_hub",
            )
        ]

    def __str__(self) -> str:
        return f"Cart {self.token}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cartline_unique_variant"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cartline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"
