"""Rows read through the shared cache: kept, dropped, and read from the database when the cache is down."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from panier.core.cached_rows import forget, read_through


def test_a_loaded_value_is_kept_and_read_back_without_loading():
    loads = []

    def load():
        loads.append(1)
        return ["zone"]

    assert read_through("rows:a", load, timeout=60) == ["zone"]
    assert read_through("rows:a", load, timeout=60) == ["zone"]
    assert len(loads) == 1


def test_nothing_found_is_not_kept():
    assert read_through("rows:none", lambda: None, timeout=60) is None
    assert read_through("rows:none", lambda: "found later", timeout=60) == "found later"


@pytest.mark.django_db
def test_forget_drops_now_and_after_the_commit(django_capture_on_commit_callbacks):
    cache.set("rows:b", 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        forget("rows:b", "")
        assert cache.get("rows:b") is None
        cache.set("rows:b", 2)  # read again by another request before the commit
    for callback in callbacks:
        callback()
    assert cache.get("rows:b") is None


def test_a_cache_outage_reads_the_database(settings, caplog):
    """Redis refusing connections: the value comes from load() and a warning is logged."""
    settings.CACHES = {
        "default": {"BACKEND": "panier.core.redis_cache.PanierRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    assert read_through("rows:c", lambda: "from the database", timeout=60) == "from the database"
    assert "cache.unavailable" in caplog.text
