"""Hub reads."""

from __future__ import annotations

from django.db.models import QuerySet

from panier.hubs.models import Hub, HubStaff


def hub_list_open() -> QuerySet[Hub]:
    return Hub.objects.filter(is_active=True).order_by("name")


def hub_get_open(*, slug: str) -> Hub | None:
    return Hub.objects.filter(slug=slug, is_active=True).first()


def hub_staff_list(*, hub: Hub) -> QuerySet[HubStaff]:
    """The hub's staff with their accounts, by role then e-mail."""
    return HubStaff.objects.filter(hub=hub).select_related("user").order_by("role", "user__email")
