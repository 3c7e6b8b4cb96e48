"""Invalidate cached catalog pages when what they show changes.

Receivers on the catalog models rather than calls in each service: a
price edited in the admin, the back office or a shell must all reach the
cache, and forgetting one write path would show a stale price. The bump
runs after commit, so no reader can cache the old row under the new
version.

Two versions per hub. The catalog version (``core.cache_versions``) moves
on every catalog write and on every change of a stock band, and keys the
whole pages of the anonymous page cache. The content version moves only on
catalog writes and keys the parts of pages kept in the cache (product
cards, product pages, filter lists): those are also keyed by the price and
stock band of each variant they show, so an order that changes one band
does not throw away the cards of every other product.
"""

from __future__ import annotations

from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from panier.catalog.models import Category, Product, ProductImage, Variant
from panier.core.cache_versions import catalog_version_bump, version_start
from panier.producers.models import Producer


def _content_key(hub_id: int) -> str:
    return f"catalog-content-version:{hub_id}"


def content_version(hub_id: int) -> int:
    """Return the version of a hub's catalog content (moved by catalog writes only)."""
    version = cache.get(_content_key(hub_id))
    if version is None:
        # Not 1: parts kept under the numbers of an earlier life of this key
        # (evicted, or the cache emptied while a worker kept parts in
        # memory) must never match again.
        start = version_start()
        cache.add(_content_key(hub_id), start, timeout=None)
        version = cache.get(_content_key(hub_id), start)
    return int(version)


def content_version_with(hub_id: int, key: str) -> tuple[int, object | None]:
    """Return the content version of a hub and the value kept under ``key``, in one cache read."""
    found = cache.get_many([_content_key(hub_id), key])
    version = found.get(_content_key(hub_id))
    if version is None:
        version = content_version(hub_id)
    return int(version), found.get(key)


def content_version_bump(hub_id: int) -> None:
    try:
        cache.incr(_content_key(hub_id))
    except ValueError:
        cache.set(_content_key(hub_id), version_start(), timeout=None)


def bump_on_commit(hub_id: int | None) -> None:
    """Invalidate the cached pages of a hub after commit (a stock band changed, for one)."""
    if hub_id:
        transaction.on_commit(partial(catalog_version_bump, hub_id))


def _bump_content(hub_id: int) -> None:
    content_version_bump(hub_id)
    catalog_version_bump(hub_id)


def content_bump_on_commit(hub_id: int | None) -> None:
    """Invalidate the cached pages and page parts of a hub after commit (a catalog write)."""
    if hub_id:
        transaction.on_commit(partial(_bump_content, hub_id))


def _hub_of(instance) -> int | None:
    if isinstance(instance, (Product, Category, Producer)):
        return instance.hub_id
    product_id = getattr(instance, "product_id", None)
    if product_id is None:
        return None
    return Product.objects.filter(pk=product_id).values_list("hub_id", flat=True).first()


def _changed(sender, instance, **kwargs) -> None:
    content_bump_on_commit(_hub_of(instance))


def connect() -> None:
    for model in (Product, Variant, ProductImage, Category, Producer):
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog-cache-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalog-cache-{model.__name__}-delete")
