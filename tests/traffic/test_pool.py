"""The PostgreSQL connection pool is configured from the environment."""

import pytest

from panier.config import settings as panier_settings

PG = "postgres://panier@127.0.0.1:5432/panier"


@pytest.fixture
def database(monkeypatch):
    """Build the database settings as the settings module does, from a given environment."""

    def build(**env):
        for name in ("DATABASE_POOL_MIN", "DATABASE_POOL_MAX", "DATABASE_POOL_TIMEOUT", "DB_CONN_MAX_AGE",
                     "DATABASE_PREPARED", "DATABASE_PREPARE_THRESHOLD"):
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


@pytest.fixture
def options(monkeypatch):
    """The database OPTIONS the settings module builds from a given environment."""

    def build(**env):
        for name in ("DATABASE_POOL_MAX", "DATABASE_PREPARED", "DATABASE_PREPARE_THRESHOLD"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        options = panier_settings._database().get("OPTIONS", {})
        return options.get("server_side_binding"), options.get("prepare_threshold")

    return build


def test_postgresql_statements_are_prepared_unless_turned_off(options, tmp_path):
    """PostgreSQL binds on the server and prepares repeated statements; DATABASE_PREPARED=0 (PgBouncer) does not."""
    assert options(DATABASE_URL=PG) == (True, 5)
    assert options(DATABASE_URL=PG, DATABASE_POOL_MAX="8", DATABASE_PREPARE_THRESHOLD="2") == (True, 2)
    assert options(DATABASE_URL=PG, DATABASE_PREPARED="0") == (None, None)
    assert options(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3") == (None, None)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_repeated_orm_query_is_prepared_on_the_server():
    """The same ORM query run a few times on one connection becomes a server-side prepared statement."""
    from django.contrib.sessions.models import Session
    from django.db import connection

    if not connection.settings_dict["OPTIONS"].get("server_side_binding"):
        pytest.skip("statements are not prepared (DATABASE_PREPARED=0)")
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    for n in range(threshold + 1):
        list(Session.objects.filter(session_key=f"missing-{n}"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('"django_session"' in s and '"session_key" = $1' in s for s in statements), statements
