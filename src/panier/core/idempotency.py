"""Idempotency records: one stored answer per (scope, key).

A record is created before the operation runs, which claims the key (the
unique constraint settles races), and it gets the answer once the
operation succeeded. A record with no answer yet is an operation still
running, or one that failed and will be removed.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, IdempotencyKeyReused
from panier.core.models import IdempotencyRecord


class IdempotencyInProgress(Conflict):
    code = "idempotency_request_in_progress"
    default_message = _("A request with this idempotency key is still being processed.")


def idempotency_begin(*, scope: str, key: str, request_hash: str) -> IdempotencyRecord:
    """Claim ``key`` in ``scope`` for a request, or return the record of its first use.

    Raises IdempotencyKeyReused when the key was used for another request,
    IdempotencyInProgress when the first request has not finished.
    """
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(scope=scope, key=key, request_hash=request_hash)
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if record is None:
        # The first request failed and released the key meanwhile.
        return idempotency_begin(scope=scope, key=key, request_hash=request_hash)
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused(field="Idempotency-Key")
    if record.response_status is None:
        raise IdempotencyInProgress(field="Idempotency-Key")
    return record


def idempotency_finish(*, record_id: int, status: int, body: Any) -> None:
    """Store the answer of a request that succeeded."""
    IdempotencyRecord.objects.filter(pk=record_id).update(response_status=status, response_body=body)


def idempotency_abandon(*, record_id: int) -> None:
    """Release the key of a request that failed, so a retry runs again."""
    IdempotencyRecord.objects.filter(pk=record_id, response_status__isnull=True).delete()
