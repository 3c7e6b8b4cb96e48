"""Hub reads."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db.models import QuerySet

from panier.hubs.models import Hub, HubStaff

logger = logging.getLogger(__name__)


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
    key = hub_cache_key(slug)
    try:
        hub = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage falls back to the database
        logger.warning("hubs.cache_unavailable", exc_info=True)
        return Hub.objects.filter(slug=slug, is_active=True).first()
    if hub is not None:
        return hub
    hub = Hub.objects.filter(slug=slug, is_active=True).first()
    if hub is not None:
        try:
            cache.set(key, hub, timeout=HUB_CACHE_S)
        except Exception:  # noqa: BLE001 - serving the page matters more than caching the hub
            logger.warning("hubs.cache_unavailable", exc_info=True)
    return hub


def hub_staff_list(*, hub: Hub) -> QuerySet[HubStaff]:
    """The hub's staff with their accounts, by role then e-mail."""
    return HubStaff.objects.filter(hub=hub).select_related("user").order_by("role", "user__email")
