"""Drop a hub's cached zones whenever one of its zones is saved or deleted."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from panier.core.cached_rows import forget
from panier.delivery.models import Zone
from panier.delivery.selectors import zones_cache_key


@receiver(post_save, sender=Zone)
@receiver(post_delete, sender=Zone)
def _zone_changed(sender, instance: Zone, **kwargs) -> None:
    forget(zones_cache_key(instance.hub_id))
