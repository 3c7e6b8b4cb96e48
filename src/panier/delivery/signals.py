"""Drop a hub's cached zones whenever one of its zones is saved or deleted."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from panier.delivery.models import Zone
from panier.delivery.selectors import zones_cache_key


@receiver(post_save, sender=Zone)
@receiver(post_delete, sender=Zone)
def _zone_changed(sender, instance: Zone, **kwargs) -> None:
    key = zones_cache_key(instance.hub_id)
    cache.delete(key)
    # Again after the commit: a request that read the old rows between the
    # save and the commit may have cached them in the meantime.
    transaction.on_commit(lambda: cache.delete(key))
