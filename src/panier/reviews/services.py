"""Writes of the reviews domain: submit, moderate, report, reply, purge."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from panier.core import clock
from panier.core.cache_versions import catalog_version_bump
from panier.notifications.services import email_send_on_commit
from panier.orders.models import OrderLine, OrderStatus
from panier.reviews import rules
from panier.reviews.errors import (
    RefusalReasonRequired,
    ReplyExists,
    ReviewAlreadyModerated,
    ReviewExists,
    ReviewInvalid,
    ReviewNotAllowed,
    ReviewNotFound,
)
from panier.reviews.models import (
    ModerationDecision,
    RefusalReason,
    ReportReason,
    Review,
    ReviewReply,
    ReviewReport,
    ReviewStatus,
)
from panier.reviews.selectors import delivered_at, flags_of, line_was_received

logger = logging.getLogger(__name__)


def fingerprint(*, ip: str, user_agent: str) -> tuple[str, str]:
    """Return salted hashes of the client's network prefix and of prefix + browser.

    Only the /24 or /48 prefix enters the hash and the raw address is
    never stored (GDPR art. 5(1)(c), data minimisation). The salt is
    derived from SECRET_KEY, so the hashes cannot be matched elsewhere.
    """
    prefix = rules.network_prefix(ip)
    if not prefix:
        return "", ""
    network = salted_hmac("panier.reviews.network", prefix, algorithm="sha256").hexdigest()
    device = salted_hmac("panier.reviews.device", f"{prefix}\n{user_agent[:500]}", algorithm="sha256").hexdigest()
    return network, device


def _bump(hub_id: int) -> None:
    transaction.on_commit(partial(catalog_version_bump, hub_id))


def review_submit(
    *,
    user,
    order_line_id: int,
    rating: int,
    body: str,
    title: str = "",
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> Review:
    """Record a customer's review of a delivered order line; it waits for moderation.

    Raises ReviewNotAllowed (not the buyer, not delivered or received,
    too late), ReviewInvalid (rating or text) or ReviewExists (the line
    already has a review: the unique constraint decides between two
    simultaneous submissions).
    """
    now = now or clock.now()
    if not isinstance(rating, int) or not rules.MIN_RATING <= rating <= rules.MAX_RATING:
        raise ReviewInvalid(field="rating")
    body = (body or "").strip()
    title = (title or "").strip()
    if not body or len(body) > 2000 or "\x00" in body:
        raise ReviewInvalid(field="body")
    if len(title) > 120 or "\x00" in title:
        raise ReviewInvalid(field="title")
    line = OrderLine.objects.select_related("order", "order__hub", "variant").filter(pk=order_line_id).first()
    if line is None or not user.is_authenticated:
        raise ReviewNotAllowed()
    order = line.order
    refusal = rules.review_eligibility(
        is_owner=order.user_id == user.pk,
        is_delivered=order.status == OrderStatus.DELIVERED,
        was_received=line_was_received(line=line),
        delivered_at=delivered_at(order=order),
        now=now,
    )
    if refusal is not None:
        raise ReviewNotAllowed(reason=refusal)
    if Review.objects.filter(order_line=line).exists():
        raise ReviewExists()
    network, device = fingerprint(ip=ip, user_agent=user_agent)
    author_name = f"{order.first_name} {order.last_name[:1]}.".strip() if order.last_name else order.first_name
    try:
        with transaction.atomic():
            review = Review.objects.create(
                hub=order.hub,
                product_id=line.variant.product_id,
                order_line=line,
                author=user,
                author_name=author_name[:120],
                rating=rating,
                title=title,
                body=body,
                experienced_at=delivered_at(order=order),
                created_at=now,
                account_created_at=user.date_joined,
                network_hash=network,
                device_hash=device,
            )
    except IntegrityError:
        if Review.objects.filter(order_line=line).exists():
            raise ReviewExists() from None
        raise
    logger.info("review.submitted", extra={"review_id": review.pk, "hub_id": order.hub_id})
    return review


def review_moderate(
    *,
    review_id: int,
    hub_id: int,
    actor,
    approve: bool,
    reason: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Review:
    """Approve or refuse a pending or reported review of a hub.

    Approving publishes a pending review (or keeps a reported one);
    refusing hides it and e-mails the author the reason (D111-18). Open
    reports on the review are resolved either way. The decision, its
    reason and the fraud signals seen are kept in the moderation log.
    Locks the review row. Raises ReviewNotFound, RefusalReasonRequired
    or ReviewAlreadyModerated.
    """
    now = now or clock.now()
    note = (note or "").strip()[:500]
    if not approve and reason not in RefusalReason.values:
        raise RefusalReasonRequired(field="reason")
    if not approve and reason == RefusalReason.OTHER and not note:
        raise RefusalReasonRequired(field="note")
    with transaction.atomic():
        review = (
            Review.objects.select_for_update(of=("self",))
            .select_related("hub", "product", "order_line__order")
            .filter(pk=review_id, hub_id=hub_id)
            .first()
        )
        if review is None:
            raise ReviewNotFound()
        has_reports = review.reports.filter(resolved_at__isnull=True).exists()
        if review.status != ReviewStatus.PENDING and not has_reports:
            raise ReviewAlreadyModerated()
        was_published = review.status == ReviewStatus.PUBLISHED
        if approve:
            if review.status == ReviewStatus.PENDING:
                review.status = ReviewStatus.PUBLISHED
                review.published_at = now
                review.save(update_fields=["status", "published_at"])
        else:
            review.status = ReviewStatus.REJECTED
            review.save(update_fields=["status"])
        ModerationDecision.objects.create(
            review=review,
            decision=ModerationDecision.Decision.APPROVED if approve else ModerationDecision.Decision.REFUSED,
            reason="" if approve else reason,
            note=note,
            flags=flags_of(review=review, now=now),
            actor=actor,
            decided_at=now,
        )
        review.reports.filter(resolved_at__isnull=True).update(resolved_at=now)
        if was_published or review.status == ReviewStatus.PUBLISHED:
            _bump(review.hub_id)
        if not approve:
            order = review.order_line.order
            email_send_on_commit(
                to=[order.email],
                template="reviews/email/refused",
                context={
                    "review": review,
                    "hub": review.hub,
                    "reason": RefusalReason(reason).label,
                    "note": note,
                },
                language=order.language,
            )
    logger.info("review.moderated", extra={"review_id": review.pk, "approved": approve})
    return review


def review_report(
    *,
    review_id: int,
    hub_id: int,
    reason: str,
    details: str = "",
    email: str = "",
    reporter=None,
    now: datetime | None = None,
) -> ReviewReport:
    """Record a doubt about a published review; it goes back to the moderation queue.

    Raises ReviewNotFound (unknown, or not published at that hub) or
    ReviewInvalid (unknown reason).
    """
    now = now or clock.now()
    if reason not in ReportReason.values:
        raise ReviewInvalid(field="reason")
    review = Review.objects.filter(pk=review_id, hub_id=hub_id, status=ReviewStatus.PUBLISHED).first()
    if review is None:
        raise ReviewNotFound()
    report = ReviewReport.objects.create(
        review=review,
        reason=reason,
        details=(details or "").strip()[:1000],
        email=email or "",
        reporter=reporter if reporter is not None and reporter.is_authenticated else None,
        created_at=now,
    )
    logger.info("review.reported", extra={"review_id": review.pk})
    return report


def review_reply(*, review_id: int, producer, author, body: str, now: datetime | None = None) -> ReviewReply:
    """Publish a producer's answer under a published review of one of its products.

    One reply per review: a second one raises ReplyExists, even when two
    arrive together (unique constraint). Raises ReviewNotFound or
    ReviewInvalid.
    """
    now = now or clock.now()
    body = (body or "").strip()
    if not body or len(body) > 2000 or "\x00" in body:
        raise ReviewInvalid(field="body")
    review = Review.objects.filter(
        pk=review_id, product__producer=producer, status=ReviewStatus.PUBLISHED
    ).first()
    if review is None:
        raise ReviewNotFound()
    try:
        with transaction.atomic():
            reply = ReviewReply.objects.create(
                review=review, producer=producer, author=author, body=body, created_at=now
            )
            _bump(review.hub_id)
    except IntegrityError:
        raise ReplyExists() from None
    logger.info("review.replied", extra={"review_id": review.pk})
    return reply


def reviews_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the reviews past their retention period; return how many.

    The retention period is published on each hub's review notice
    (D111-19). Safe to run repeatedly.
    """
    now = now or clock.now()
    limit = now - timedelta(days=365 * rules.RETENTION_YEARS)
    expired = Review.objects.filter(created_at__lt=limit)
    hubs = set(expired.values_list("hub_id", flat=True))
    with transaction.atomic():
        _total, per_model = expired.delete()
        for hub_id in hubs:
            _bump(hub_id)
    return per_model.get(Review._meta.label, 0)
