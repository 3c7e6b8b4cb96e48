import pytest

from panier.core.errors import IdempotencyKeyReused
from panier.core.idempotency import (
    IdempotencyInProgress,
    idempotency_abandon,
    idempotency_begin,
    idempotency_finish,
)
from panier.core.models import IdempotencyRecord


def test_a_key_still_running_is_409_in_progress(db):
    """A second request with the key of one that has not finished is refused, not run twice."""
    idempotency_begin(scope="cart_add", key="k1", request_hash="h")

    with pytest.raises(IdempotencyInProgress) as exc:
        idempotency_begin(scope="cart_add", key="k1", request_hash="h")

    assert (exc.value.status, exc.value.code) == (409, "idempotency_request_in_progress")


def test_a_finished_key_returns_its_answer_and_refuses_another_request(db):
    """Once answered, the same request gets the record back and another request is 409."""
    record = idempotency_begin(scope="cart_add", key="k2", request_hash="h")
    idempotency_finish(record_id=record.pk, status=200, body={"ok": True})

    again = idempotency_begin(scope="cart_add", key="k2", request_hash="h")
    with pytest.raises(IdempotencyKeyReused) as exc:
        idempotency_begin(scope="cart_add", key="k2", request_hash="other")

    assert (again.response_status, again.response_body) == (200, {"ok": True})
    assert (exc.value.status, exc.value.code) == (409, "idempotency_key_reused")


def test_keys_are_scoped_and_abandoned_keys_are_free_again(db):
    """The same key in two scopes is two records; an abandoned key can be claimed again."""
    first = idempotency_begin(scope="cart_add", key="k3", request_hash="h")
    idempotency_begin(scope="checkout_complete", key="k3", request_hash="h")
    idempotency_abandon(record_id=first.pk)

    claimed = idempotency_begin(scope="cart_add", key="k3", request_hash="h2")

    assert claimed.response_status is None
    assert IdempotencyRecord.objects.filter(key="k3").count() == 2
