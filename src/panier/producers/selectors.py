"""Producer reads, and which producers a user may manage."""

from __future__ import annotations

from django.db.models import QuerySet

from panier.producers.models import Producer


def producers_for_user(*, user) -> QuerySet[Producer]:
    """The producers a user staffs (none for an anonymous user)."""
    if not user.is_authenticated:
        return Producer.objects.none()
    return Producer.objects.filter(staff__user=user).select_related("hub").order_by("name", "pk")


def producer_for_user(*, user, producer_id: int) -> Producer | None:
    """Return the producer if ``user`` staffs it, else None (the caller answers 404)."""
    return producers_for_user(user=user).filter(pk=producer_id).first()
