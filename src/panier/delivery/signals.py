"""Drop a hub's cached delivery rows whenever they change.

Zones are kept for the address checks of every checkout step; pickup
points and closures for the step-1 page (``selectors.calendar_for``).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from panier.core.cached_rows import forget
from panier.delivery.models import Closure, PickupPoint, Zone
from panier.delivery.selectors import calendar_cache_key, zones_cache_key


@receiver(post_save, sender=Zone)
@receiver(post_delete, sender=Zone)
def _zone_changed(sender, instance: Zone, **kwargs) -> None:
    forget(zones_cache_key(instance.hub_id))


@receiver(post_save, sender=PickupPoint)
@receiver(post_delete, sender=PickupPoint)
@receiver(post_save, sender=Closure)
@receiver(post_delete, sender=Closure)
def _calendar_changed(sender, instance: PickupPoint | Closure, **kwargs) -> None:
    forget(calendar_cache_key(instance.hub_id))
