"""Where sessions live: a visitor's in the signed cookie, or all in the database (read through Redis), or Redis only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.contrib.sessions.models import Session

from panier.cart.models import Cart
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"


def _engine(tmp_path, **environ) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PANIER_SESSION_STORE", "REDIS_URL"))}
    env.pop("DATABASE_URL", None)
    env.update(PANIER_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), DEBUG="1", **environ)
    code = "import django; django.setup(); from django.conf import settings; print(settings.SESSION_ENGINE)"
    return subprocess.run(
        [sys.executable, "-c", code], env={**env, "DJANGO_SETTINGS_MODULE": "panier.config.settings"},
        capture_output=True, text=True, timeout=60, check=False,
    )


@pytest.mark.parametrize(
    ("store", "engine"),
    [(None, "panier.core.sessions.guest_cookie"), ("cookie", "panier.core.sessions.guest_cookie"),
     ("database", "panier.core.sessions.cached_db"), ("redis", "panier.core.sessions.cache")],
)
def test_the_store_follows_the_setting(tmp_path, store, engine):
    environ = {"REDIS_URL": REDIS_URL} | ({"PANIER_SESSION_STORE": store} if store else {})
    result = _engine(tmp_path, **environ)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == engine


def _server_engine(tmp_path, **environ) -> str:
    code = "import django; django.setup(); from django.conf import settings; print(settings.PANIER_SESSION_SERVER_ENGINE)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PANIER_SESSION_STORE", "REDIS_URL"))}
    env.pop("DATABASE_URL", None)
    env.update(PANIER_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), DEBUG="1",
               DJANGO_SETTINGS_MODULE="panier.config.settings", **environ)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_redis_signed_in_sessions_are_in_the_database(tmp_path):
    result = _engine(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "panier.core.sessions.guest_cookie"
    assert _server_engine(tmp_path) == "panier.core.sessions.db"
    assert _server_engine(tmp_path, REDIS_URL=REDIS_URL) == "panier.core.sessions.cached_db"
    database = _engine(tmp_path, PANIER_SESSION_STORE="database")
    assert database.stdout.strip() == "panier.core.sessions.db", database.stderr


def test_redis_only_sessions_need_redis(tmp_path):
    result = _engine(tmp_path, PANIER_SESSION_STORE="redis")
    assert result.returncode != 0
    assert "PANIER_SESSION_STORE must be one of cookie, database (redis needs REDIS_URL), not 'redis'" in result.stderr


def test_an_unknown_store_stops_the_start_with_its_name(tmp_path):
    result = _engine(tmp_path, REDIS_URL=REDIS_URL, PANIER_SESSION_STORE="memcached")
    assert result.returncode != 0
    assert "PANIER_SESSION_STORE must be one of cookie, database, redis, not 'memcached'" in result.stderr


@pytest.fixture
def redis_sessions(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "panier.core.redis_cache.PanierRedisCache", "LOCATION": REDIS_URL,
                    "KEY_PREFIX": "test-sessions"}
    }
    settings.SESSION_ENGINE = "panier.core.sessions.cache"
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_with_redis_only_a_basket_survives_without_a_session_row(client, redis_sessions):
    """The basket's session is in Redis: the next request finds the basket; the database has no session."""
    shop = factories.make_shop()
    variant = shop.products[0].variants.first()

    added = client.post(f"/{shop.hub.slug}/basket/add/", {"variant": variant.pk, "quantity": 2})
    basket = client.get(f"/{shop.hub.slug}/basket/")

    assert added.status_code == 302
    assert Cart.objects.get().lines.get().quantity == 2
    assert "Tomme de chèvre" in basket.content.decode()
    assert Session.objects.count() == 0
