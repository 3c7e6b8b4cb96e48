"""The PostgreSQL connection pool is configured from the environment."""

import pytest

from panier.config import settings as panier_settings

PG = "postgres://panier@127.0.0.1:5432/panier"


@pytest.fixture
def database(monkeypatch):
    """Build the database settings as the settings module does, from a given environment."""

    def build(**env):
        for name in ("DATABASE_POOL_MIN", "DATABASE_POOL_MAX", "DATABASE_POOL_TIMEOUT", "DB_CONN_MAX_AGE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        config = panier_settings._database()
        return config["CONN_MAX_AGE"], config.get("OPTIONS", {}).get("pool")

    return build


def test_pool_is_bounded_and_replaces_persistent_connections(database):
    """DATABASE_POOL_MAX turns the pool on, bounded (min ≤ max), and persistent connections off."""
    assert database(DATABASE_URL=PG, DATABASE_POOL_MAX="8", DATABASE_POOL_MIN="20") == (
        0,
        {"min_size": 8, "max_size": 8, "timeout": 10.0},
    )
    assert database(DATABASE_URL=PG, DATABASE_POOL_MAX="4", DATABASE_POOL_TIMEOUT="2.5") == (
        0,
        {"min_size": 2, "max_size": 4, "timeout": 2.5},
    )


def test_no_pool_without_a_size_or_on_sqlite(database, tmp_path):
    """Without DATABASE_POOL_MAX, or on SQLite, connections are not pooled."""
    assert database(DATABASE_URL=PG) == (60, None)
    assert database(DATABASE_URL=PG, DATABASE_POOL_MAX="0") == (60, None)
    assert database(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", DATABASE_POOL_MAX="8") == (0, None)
