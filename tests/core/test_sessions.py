"""The session stores: one statement per session write, and a taken key is never reused."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from panier.core import sessions
from panier.core.sessions import cache as cache_store
from panier.core.sessions import cached_db as cached_db_store
from panier.core.sessions import db as db_store

pytestmark = pytest.mark.django_db(transaction=True)

STORES = {"db": db_store.SessionStore, "cached_db": cached_db_store.SessionStore}


def _statements(queries) -> list[str]:
    return [q["sql"].split()[0].upper() for q in queries.captured_queries]


@pytest.fixture(autouse=True)
def _empty_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.mark.parametrize("name", sorted(STORES))
def test_a_new_session_is_one_insert(name):
    store = STORES[name]()
    store["basket"] = "token"

    with CaptureQueriesContext(connection) as queries:
        store.save()

    assert _statements(queries) == ["INSERT"]
    assert STORES[name](session_key=store.session_key)["basket"] == "token"


@pytest.mark.parametrize("name", sorted(STORES))
def test_a_changed_session_is_one_update(name):
    store = STORES[name]()
    store["step"] = 1
    store.save()
    again = STORES[name](session_key=store.session_key)
    again["step"] = 2

    with CaptureQueriesContext(connection) as queries:
        again.save()

    assert _statements(queries) == ["UPDATE"]
    assert Session.objects.get(pk=store.session_key).get_decoded() == {"step": 2}


@pytest.mark.parametrize("name", sorted(STORES))
def test_a_taken_key_is_drawn_again_and_the_other_session_is_untouched(name, monkeypatch):
    first = STORES[name]()
    first["owner"] = "first"
    first.save()
    keys = iter([first.session_key, "k" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda length, chars: next(keys))

    second = STORES[name]()
    second["owner"] = "second"
    second.save()

    assert second.session_key == "k" * 32
    assert STORES[name](session_key=first.session_key)["owner"] == "first"
    assert STORES[name](session_key="k" * 32)["owner"] == "second"


@pytest.mark.parametrize("name", sorted(STORES))
def test_inside_a_transaction_a_taken_key_does_not_break_it(name, monkeypatch):
    """In a view's atomic block the insert keeps its savepoint: the retry and the view's own writes go on."""
    first = STORES[name]()
    first.save()
    keys = iter([first.session_key, "t" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda length, chars: next(keys))

    with transaction.atomic():
        second = STORES[name]()
        second["owner"] = "second"
        second.save()
        assert Session.objects.filter(pk="t" * 32).exists()

    assert STORES[name](session_key="t" * 32)["owner"] == "second"


def test_the_cache_store_draws_again_on_a_taken_key(monkeypatch):
    first = cache_store.SessionStore()
    first["owner"] = "first"
    first.save()
    keys = iter([first.session_key, "c" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda length, chars: next(keys))

    second = cache_store.SessionStore()
    second["owner"] = "second"
    second.save()

    assert second.session_key == "c" * 32
    assert cache_store.SessionStore(session_key=first.session_key)["owner"] == "first"


def test_an_update_of_a_deleted_session_is_refused_as_django_does():
    from django.contrib.sessions.backends.base import UpdateError

    store = db_store.SessionStore()
    store.save()
    Session.objects.all().delete()
    store["late"] = True

    with pytest.raises(UpdateError):
        store.save()
