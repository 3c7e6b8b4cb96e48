"""savepoint_if_nested: a failing statement leaves the transaction usable, and costs no BEGIN outside one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from panier.core.transactions import savepoint_if_nested, update_returning

pytestmark = pytest.mark.django_db(transaction=True)


def _row(key: str) -> Session:
    return Session(session_key=key, session_data="x", expire_date=timezone.now() + timedelta(days=1))


def _insert_twice(key: str) -> bool:
    """Insert a row whose key is taken; return whether the statement failed."""
    try:
        with savepoint_if_nested():
            _row(key).save(force_insert=True)
    except IntegrityError:
        return True
    return False


def test_outside_a_transaction_the_statement_is_sent_alone():
    _row("a" * 32).save(force_insert=True)

    with CaptureQueriesContext(connection) as queries:
        failed = _insert_twice("a" * 32)

    assert failed
    assert [q["sql"].split()[0].upper() for q in queries.captured_queries] == ["INSERT"]
    assert Session.objects.count() == 1


def test_inside_a_transaction_the_failure_leaves_it_usable():
    _row("b" * 32).save(force_insert=True)

    with transaction.atomic():
        assert _insert_twice("b" * 32)
        _row("c" * 32).save(force_insert=True)

    assert sorted(Session.objects.values_list("session_key", flat=True)) == ["b" * 32, "c" * 32]


def test_update_returning_gives_the_rows_as_the_update_left_them():
    _row("d" * 32).save(force_insert=True)
    _row("e" * 32).save(force_insert=True)
    later = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows = update_returning(
            Session, assignments="expire_date = %s", where="session_key = %s", params=[later, "d" * 32]
        )
        none = update_returning(Session, assignments="expire_date = %s", where="session_key = %s", params=[later, "z"])

    assert [(r.session_key, r.session_data, r.expire_date) for r in rows] == [("d" * 32, "x", later)]
    assert none == []
    assert [q["sql"].split()[0].upper() for q in queries.captured_queries].count("UPDATE") == 2
    assert Session.objects.get(pk="e" * 32).expire_date != later
