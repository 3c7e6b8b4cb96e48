"""Transaction helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


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
