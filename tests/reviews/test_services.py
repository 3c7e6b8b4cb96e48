"""Review services: who may review, moderation, reports, replies, cache and purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from panier.core import clock
from panier.core.cache_versions import catalog_version
from panier.fulfilment.models import LineOutcome, PackedLine, Packing
from panier.reviews.errors import (
    RefusalReasonRequired,
    ReplyExists,
    ReviewAlreadyModerated,
    ReviewExists,
    ReviewInvalid,
    ReviewNotAllowed,
    ReviewNotFound,
)
from panier.reviews.models import ModerationDecision, Review, ReviewReport, ReviewStatus
from panier.reviews.selectors import moderation_queue, review_list_published, review_summary
from panier.reviews.services import (
    fingerprint,
    review_moderate,
    review_reply,
    review_report,
    review_submit,
    reviews_purge_expired,
)
from tests import factories

from .conftest import deliver


def submit(user, line, rating=5, **kw):
    kw.setdefault("body", "Très bonne tomme, bien affinée.")
    return review_submit(user=user, order_line_id=line.pk, rating=rating, **kw)


def test_buyer_reviews_a_delivered_line(delivered, customer):
    """A delivered line's buyer gets a pending review tied to the line, dated by the delivery."""
    line = delivered.lines.first()

    review = submit(customer, line, ip="203.0.113.77", user_agent="Firefox")

    assert review.status == ReviewStatus.PENDING
    assert review.product_id == line.variant.product_id
    assert review.author_name == "Alice D."
    assert review.experienced_at == delivered.events.get(to_status="delivered").created_at
    assert review.network_hash == fingerprint(ip="203.0.113.99", user_agent="Other")[0]
    assert review.device_hash != fingerprint(ip="203.0.113.99", user_agent="Other")[1]
    assert "203.0.113" not in review.network_hash + review.device_hash


def test_one_review_per_order_line(delivered, customer):
    """A second review of the same line is refused with review_exists."""
    line = delivered.lines.first()
    submit(customer, line)

    with pytest.raises(ReviewExists) as err:
        submit(customer, line, rating=1)

    assert err.value.code == "review_exists"
    assert Review.objects.filter(order_line=line).count() == 1


def test_undelivered_or_foreign_lines_cannot_be_reviewed(shop, customer):
    """A paid but undelivered order, or another customer's order, gives review_not_allowed."""
    paid = factories.placed_order(shop, [(0, 1)], user=customer)
    other = deliver(factories.placed_order(shop, [(0, 1)], user=factories.user()))

    with pytest.raises(ReviewNotAllowed) as not_delivered:
        submit(customer, paid.lines.first())
    with pytest.raises(ReviewNotAllowed) as not_owner:
        submit(customer, other.lines.first())

    assert not_delivered.value.params == {"reason": "not_delivered"}
    assert not_owner.value.params == {"reason": "not_owner"}
    assert not_owner.value.status == 403


def test_missing_line_cannot_be_reviewed(delivered, customer, shop):
    """A line marked missing at packing was not received, so it cannot be reviewed."""
    line = delivered.lines.first()
    packing = Packing.objects.create(order=delivered, finished_at=clock.now())
    PackedLine.objects.create(packing=packing, line=line, outcome=LineOutcome.MISSING, packed_quantity=0)

    with pytest.raises(ReviewNotAllowed) as err:
        submit(customer, line)

    assert err.value.params == {"reason": "not_received"}


@pytest.mark.parametrize(("rating", "body", "field"), [(0, "ok", "rating"), (6, "ok", "rating"), (3, "  ", "body")])
def test_invalid_review_is_refused(delivered, customer, rating, body, field):
    """A rating outside 1–5 or an empty text gives review_invalid on that field."""
    with pytest.raises(ReviewInvalid) as err:
        submit(customer, delivered.lines.first(), rating=rating, body=body)

    assert (err.value.code, err.value.field) == ("review_invalid", field)


def test_approval_publishes_and_invalidates_the_product_page(delivered, customer, shop, django_capture_on_commit_callbacks):
    """Approving publishes the review, logs the decision and moves the hub's catalog version."""
    review = submit(customer, delivered.lines.first(), rating=4)
    before = catalog_version(shop.hub.pk)

    with django_capture_on_commit_callbacks(execute=True):
        review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=True)

    review.refresh_from_db()
    assert review.status == ReviewStatus.PUBLISHED
    assert review.published_at is not None
    assert catalog_version(shop.hub.pk) == before + 1
    assert list(review_list_published(product=review.product)) == [review]
    assert review_summary(product=review.product).average_tenths == 40
    assert ModerationDecision.objects.get(review=review).decision == "approved"
    with pytest.raises(ReviewAlreadyModerated):
        review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=True)


def test_refusal_keeps_the_reason_and_tells_the_author(delivered, customer, shop, django_capture_on_commit_callbacks):
    """A refusal needs a reason from the list; it is logged and e-mailed to the author."""
    review = submit(customer, delivered.lines.first(), rating=1, body="Call me on 06 12 34 56 78")
    with pytest.raises(RefusalReasonRequired):
        review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=False)
    with pytest.raises(RefusalReasonRequired) as other_without_note:
        review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=False, reason="other")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        review_moderate(
            review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=False,
            reason="personal_data", note="Please remove the phone number.",
        )

    assert other_without_note.value.field == "note"
    review.refresh_from_db()
    assert review.status == ReviewStatus.REJECTED
    decision = ModerationDecision.objects.get(review=review)
    assert (decision.reason, decision.note) == ("personal_data", "Please remove the phone number.")
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "Please remove the phone number." in mail.outbox[0].body
    assert "données personnelles" in mail.outbox[0].body or "personal data" in mail.outbox[0].body
    assert list(review_list_published(product=review.product)) == []


def test_other_hub_cannot_moderate(delivered, customer, shop):
    """A review is only found through its own hub."""
    review = submit(customer, delivered.lines.first())
    other = factories.hub()

    with pytest.raises(ReviewNotFound):
        review_moderate(review_id=review.pk, hub_id=other.pk, actor=shop.operator, approve=True)


def test_report_sends_a_published_review_back_to_the_queue(delivered, customer, shop, django_capture_on_commit_callbacks):
    """A report puts a published review in the queue; refusing it hides it and resolves the report."""
    review = submit(customer, delivered.lines.first())
    review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=True)
    assert moderation_queue(hub=shop.hub, now=clock.now()) == []

    report = review_report(review_id=review.pk, hub_id=shop.hub.pk, reason="fake", details="Never sold here")
    queue = moderation_queue(hub=shop.hub, now=clock.now())
    before = catalog_version(shop.hub.pk)
    with django_capture_on_commit_callbacks(execute=True):
        review_moderate(
            review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=False, reason="not_authentic"
        )

    assert [item.review.pk for item in queue] == [review.pk]
    assert [r.pk for r in queue[0].open_reports] == [report.pk]
    report.refresh_from_db()
    assert report.resolved_at is not None
    assert catalog_version(shop.hub.pk) == before + 1
    assert moderation_queue(hub=shop.hub, now=clock.now()) == []


def test_pending_review_cannot_be_reported(delivered, customer, shop):
    """Only published reviews can be reported; a bad reason is invalid input."""
    review = submit(customer, delivered.lines.first())

    with pytest.raises(ReviewNotFound):
        review_report(review_id=review.pk, hub_id=shop.hub.pk, reason="fake")
    with pytest.raises(ReviewInvalid):
        review_report(review_id=review.pk, hub_id=shop.hub.pk, reason="because")
    assert ReviewReport.objects.count() == 0


def test_producer_replies_once(delivered, customer, shop, django_capture_on_commit_callbacks):
    """The product's producer replies once to a published review; a second reply is reply_exists."""
    review = submit(customer, delivered.lines.first())
    review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=True)
    producer = shop.producers[0]
    before = catalog_version(shop.hub.pk)

    with django_capture_on_commit_callbacks(execute=True):
        reply = review_reply(review_id=review.pk, producer=producer, author=shop.producer_user, body="Merci !")
    with pytest.raises(ReplyExists):
        review_reply(review_id=review.pk, producer=producer, author=shop.producer_user, body="Encore merci")
    with pytest.raises(ReviewNotFound):
        review_reply(review_id=review.pk, producer=shop.producers[1], author=None, body="Not my product")

    assert reply.review_id == review.pk
    assert catalog_version(shop.hub.pk) == before + 1


def test_queue_shows_fraud_flags_with_explanations(shop):
    """Reviews from new accounts on one network are flagged, with a readable explanation."""
    reviews = []
    for i in range(3):
        user = factories.user(first_name=f"Bot{i}", last_name="X")
        order = deliver(factories.placed_order(shop, [(1, 1)], user=user))
        reviews.append(
            submit(user, order.lines.first(), ip=f"198.51.100.{10 + i}", user_agent="Bot/1.0")
        )

    queue = moderation_queue(hub=shop.hub, now=clock.now())

    codes = {code for item in queue for code, _ in item.flags}
    assert codes >= {"new_accounts", "shared_network", "shared_device"}
    explanations = dict(queue[0].flags)
    assert "3" in explanations["shared_network"]
    review_moderate(review_id=reviews[0].pk, hub_id=shop.hub.pk, actor=shop.operator, approve=True)
    logged = ModerationDecision.objects.get(review=reviews[0]).flags
    assert {flag["code"] for flag in logged} >= {"new_accounts", "shared_network"}


def test_purge_deletes_expired_reviews(delivered, customer):
    """Reviews older than the published retention period are deleted; recent ones stay."""
    old = submit(customer, delivered.lines.first())
    recent = submit(customer, delivered.lines.last())
    Review.objects.filter(pk=old.pk).update(created_at=clock.now() - timedelta(days=365 * 3 + 1))

    assert reviews_purge_expired() == 1
    assert list(Review.objects.values_list("pk", flat=True)) == [recent.pk]


def test_purge_command_reports_its_count(delivered, customer):
    """``panier reviews purge`` deletes expired reviews and says how many."""
    from io import StringIO

    from django.core.management import call_command

    old = submit(customer, delivered.lines.first())
    Review.objects.filter(pk=old.pk).update(created_at=clock.now() - timedelta(days=365 * 3 + 1))
    out = StringIO()

    call_command("reviews", "purge", stdout=out)

    assert "1 reviews deleted" in out.getvalue()
    assert not Review.objects.exists()
