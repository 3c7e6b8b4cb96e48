"""Transaction helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connections, models, router, transaction


@contextmanager
def savepoint_if_nested(using: str | None = None) -> Iterator[None]:
    """Guard one statement that may fail (say, on a unique key) and be retried.

    Inside a transaction the statement gets a savepoint, so that its
    failure leaves the transaction usable. Outside one, a single statement
    is atomic by itself: no BEGIN … COMMIT is sent around it.
    """
    if transaction.get_connection(using).in_atomic_block:
        with transaction.atomic(using=using):
            yield
    else:
        yield


def update_returning(model: type[models.Model], *, assignments: str, where: str, params: list) -> list:
    """``UPDATE <table> SET <assignments> WHERE <where>``, returning the rows it changed as instances.

    One statement where the ORM needs two (an update, then a read of the
    rows): the rows come back as the update left them, locked until the
    end of the transaction. ``assignments`` and ``where`` are SQL written
    by the caller with ``%s`` placeholders for ``params``; datetimes among
    ``params`` are adapted to the database. PostgreSQL and SQLite (3.35 or
    later) both return the rows.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model._meta.concrete_fields)
    values = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime) else p for p in params]
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {where} RETURNING {columns}"  # noqa: S608 - caller's SQL, values bound
    return list(model.objects.db_manager(connection.alias).raw(sql, values))
