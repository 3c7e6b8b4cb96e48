"""Simultaneous submissions, replies and decisions (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from panier.reviews.errors import ReplyExists, ReviewAlreadyModerated, ReviewExists
from panier.reviews.models import ModerationDecision, Review, ReviewReply, ReviewStatus
from panier.reviews.services import review_moderate, review_reply, review_submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(n: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Run ``work(i)`` in ``n`` threads released together; return ("ok", result) or ("error", exc)."""
    barrier = threading.Barrier(n)
    outcomes: list[tuple[str, Any]] = [("missing", None)] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            outcomes[i] = ("ok", work(i))
        except Exception as exc:  # every outcome is asserted by the test
            outcomes[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_submissions_for_one_line_make_one_review(delivered, customer):
    """Two simultaneous reviews of one order line: one is stored, the other gets review_exists."""
    line = delivered.lines.first()

    outcomes = race(
        4, lambda i: review_submit(user=customer, order_line_id=line.pk, rating=1 + i, body=f"Take {i}").pk
    )

    assert sorted(kind for kind, _ in outcomes) == ["error", "error", "error", "ok"]
    assert all(isinstance(exc, ReviewExists) for kind, exc in outcomes if kind == "error")
    assert Review.objects.filter(order_line=line).count() == 1


def test_two_replies_make_one(delivered, customer, shop):
    """Two simultaneous replies to one review: one is published, the other gets reply_exists."""
    review = review_submit(user=customer, order_line_id=delivered.lines.first().pk, rating=3, body="Fine")
    review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=True)
    producer = shop.producers[0]

    outcomes = race(3, lambda i: review_reply(review_id=review.pk, producer=producer, author=None, body=f"Reply {i}").pk)

    assert sorted(kind for kind, _ in outcomes) == ["error", "error", "ok"]
    assert all(isinstance(exc, ReplyExists) for kind, exc in outcomes if kind == "error")
    assert ReviewReply.objects.filter(review=review).count() == 1


def test_two_moderators_decide_once(delivered, customer, shop):
    """Approve and refuse at the same moment: one decision wins and is the only one logged."""
    review = review_submit(user=customer, order_line_id=delivered.lines.first().pk, rating=2, body="Meh")

    outcomes = race(
        2,
        lambda i: review_moderate(
            review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=i == 0, reason="off_topic"
        ).status,
    )

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"]
    assert all(isinstance(exc, ReviewAlreadyModerated) for kind, exc in outcomes if kind == "error")
    decisions = list(ModerationDecision.objects.filter(review=review))
    assert len(decisions) == 1
    review.refresh_from_db()
    expected = ReviewStatus.PUBLISHED if decisions[0].decision == "approved" else ReviewStatus.REJECTED
    assert review.status == expected
