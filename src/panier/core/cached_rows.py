"""Rows that rarely change, read through the shared cache.

Every shop request reads its hub, every checkout step the hub's delivery
zones: both are kept in the default cache and dropped by their models'
save and delete signals. A cache outage never stops a request: the rows
are read from the database instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")


def read_through(key: str, load: Callable[[], T | None], *, timeout: int) -> T | None:
    """The value kept under ``key``, else ``load()`` (kept when it is not None)."""
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage falls back to the database
        logger.warning("cache.unavailable", extra={"key": key}, exc_info=True)
        return load()
    if value is None:
        value = load()
        if value is not None:
            try:
                cache.set(key, value, timeout=timeout)
            except Exception:  # noqa: BLE001 - serving the request matters more than caching
                logger.warning("cache.unavailable", extra={"key": key}, exc_info=True)
    return value


def forget(*keys: str) -> None:
    """Drop kept values now and again after the commit.

    A request that read the old rows between the save and the commit may
    have kept them in the meantime.
    """
    keys = tuple(key for key in keys if key)
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
