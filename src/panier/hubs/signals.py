"""Drop a hub's cached copy whenever the hub row is saved or deleted."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from panier.core.cached_rows import forget
from panier.hubs.models import Hub
from panier.hubs.selectors import hub_cache_key


@receiver(pre_save, sender=Hub)
def _hub_before_save(sender, instance: Hub, **kwargs) -> None:
    # A renamed slug: the copy under the old slug must go too.
    if instance.pk:
        instance._slug_before_save = Hub.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()


@receiver(post_save, sender=Hub)
@receiver(post_delete, sender=Hub)
def _hub_changed(sender, instance: Hub, **kwargs) -> None:
    slugs = {instance.slug, getattr(instance, "_slug_before_save", None)}
    forget(*(hub_cache_key(slug) for slug in slugs if slug))
