"""Hand rows already read to an instance's related manager, as ``prefetch_related`` does.

A service that has just written or read an object's related rows (an
order's lines, its invoices) can keep them on the instance, so that a page
rendered from that instance reads ``order.lines.all`` without asking the
database again. The rows must be all of the instance's related rows, in the
related model's default order: that is what ``.all()`` promises.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model


def prefetched_keep(instance: Model, related_name: str, rows: Iterable[Model]) -> None:
    """Make ``getattr(instance, related_name).all()`` return ``rows`` without a query."""
    manager = getattr(instance, related_name)
    # The same steps as Django's own prefetching (django.db.models.query.prefetch_one_level).
    queryset = manager.get_queryset()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[manager.field.remote_field.cache_name] = queryset


def prefetched(instance: Model, related_name: str) -> bool:
    """Whether ``related_name`` of ``instance`` is answered from memory."""
    manager = getattr(instance, related_name)
    return manager.field.remote_field.cache_name in getattr(instance, "_prefetched_objects_cache", {})
