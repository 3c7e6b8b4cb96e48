"""Hub reads."""

from __future__ import annotations

from django.db.models import QuerySet

from panier.core.cached_rows import read_through
from panier.hubs.models import Hub, HubStaff


def hub_list_open() -> QuerySet[Hub]:
    return Hub.objects.filter(is_active=True).order_by("name")


#: Seconds a hub row is kept in the shared cache; every save of a hub
#: drops it at once (``hubs.signals``), this only bounds a missed drop.
HUB_CACHE_S = 300


def hub_cache_key(slug: str) -> str:
    return f"hub:open:{slug}"


def hub_get_open(*, slug: str) -> Hub | None:
    """The active hub with this slug, from the shared cache when it is there.

    Every shop request starts with this read; the hub row changes rarely
    and each save of it drops the cached copy.
    """
    return read_through(
        hub_cache_key(slug), lambda: Hub.objects.filter(slug=slug, is_active=True).first(), timeout=HUB_CACHE_S
    )


def hub_staff_list(*, hub: Hub) -> QuerySet[HubStaff]:
    """The hub's staff with their accounts, by role then e-mail."""
    return HubStaff.objects.filter(hub=hub).select_related("user").order_by("role", "user__email")
