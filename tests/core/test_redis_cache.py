"""The Redis cache backend that keeps one client per connection pool."""

from __future__ import annotations

import threading

import pytest
import redis

from panier.core.redis_cache import PanierRedisCache

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    cache = PanierRedisCache(REDIS_URL, {"KEY_PREFIX": "test-reused-client"})
    cache.clear()
    yield cache
    cache.clear()


def test_the_same_client_serves_every_call(redis_cache):
    client = redis_cache._cache.get_client(write=True)

    assert redis_cache._cache.get_client("any", write=False) is client


def test_it_behaves_like_djangos_redis_cache(redis_cache):
    """Values, counters, many keys at once, add, delete and expiry."""
    redis_cache.set("page", (b"<html>", [("Content-Type", "text/html")]), timeout=60)
    redis_cache.set("version", 41, timeout=None)
    redis_cache.incr("version")

    assert redis_cache.get("page") == (b"<html>", [("Content-Type", "text/html")])
    assert redis_cache.get("version") == 42
    assert redis_cache.add("version", 1) is False
    assert redis_cache.get_many(["page", "version", "missing"]).keys() == {"page", "version"}
    redis_cache.delete_many(["page"])
    assert redis_cache.get("page") is None
    redis_cache.set("short", 1, timeout=0)
    assert redis_cache.get("short") is None


def test_threads_share_the_client_safely(redis_cache):
    """Sixteen threads incrementing one counter through the shared client lose no update."""
    redis_cache.set("hits", 0, timeout=None)

    def work():
        for _ in range(50):
            redis_cache.incr("hits")

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert redis_cache.get("hits") == 800
