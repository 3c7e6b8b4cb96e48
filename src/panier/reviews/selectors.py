"""Reads of the reviews domain: product pages, order pages, the moderation queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from panier.catalog.models import Product
from panier.fulfilment.models import LineOutcome, PackedLine
from panier.hubs.models import Hub
from panier.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from panier.reviews import rules
from panier.reviews.errors import InvalidSort
from panier.reviews.models import Review, ReviewReport, ReviewStatus

_ORDERINGS = {
    rules.SORT_RECENT: ("-published_at", "-pk"),
    rules.SORT_OLDEST: ("published_at", "pk"),
    rules.SORT_HIGHEST: ("-rating", "-published_at", "-pk"),
    rules.SORT_LOWEST: ("rating", "-published_at", "-pk"),
}

#: How far back the fraud signals look.
FRAUD_LOOKBACK = timedelta(days=180)


def sort_choices() -> list[tuple[str, str]]:
    """Return the sort orders offered next to the reviews, default first."""
    return [
        (rules.SORT_RECENT, _("Most recent first")),
        (rules.SORT_OLDEST, _("Oldest first")),
        (rules.SORT_HIGHEST, _("Highest rating first")),
        (rules.SORT_LOWEST, _("Lowest rating first")),
    ]


def review_list_published(*, product: Product, sort: str = rules.SORT_RECENT) -> QuerySet[Review]:
    """Return the published reviews of a product in the chosen order.

    Raises InvalidSort for an unknown order.
    """
    if sort not in _ORDERINGS:
        raise InvalidSort(field="sort")
    return (
        Review.objects.filter(product=product, status=ReviewStatus.PUBLISHED)
        .select_related("reply", "reply__producer")
        .order_by(*_ORDERINGS[sort])
    )


@dataclass(frozen=True)
class ReviewSummary:
    count: int
    average_tenths: int

    @property
    def average(self) -> Decimal:
        return Decimal(self.average_tenths) / 10


def review_summary(*, product: Product) -> ReviewSummary:
    """Return the number and average of a product's published ratings."""
    row = Review.objects.filter(product=product, status=ReviewStatus.PUBLISHED).aggregate(
        count=Count("pk"), total=Sum("rating")
    )
    count, total = row["count"] or 0, row["total"] or 0
    return ReviewSummary(count=count, average_tenths=rules.rating_average_tenths(total, count))


def delivered_at(*, order: Order) -> datetime | None:
    """Return when an order was delivered, or None if it was not."""
    if order.status != OrderStatus.DELIVERED:
        return None
    event = (
        OrderEvent.objects.filter(order=order, to_status=OrderStatus.DELIVERED).order_by("-created_at").first()
    )
    return event.created_at if event else None


def line_was_received(*, line: OrderLine) -> bool:
    """Tell whether the line reached the customer (not missing or replaced at packing)."""
    return not PackedLine.objects.filter(line=line).exclude(outcome=LineOutcome.PACKED).exists()


@dataclass
class LineReview:
    line: OrderLine
    review: Review | None
    refusal: str | None


def lines_to_review(*, order: Order, user, now: datetime) -> list[LineReview]:
    """Return an order's lines with their review, or why they cannot get one."""
    is_owner = bool(user.is_authenticated and order.user_id == user.pk)
    when = delivered_at(order=order)
    not_received = Exists(
        PackedLine.objects.filter(line=OuterRef("pk")).exclude(outcome=LineOutcome.PACKED)
    )
    lines = order.lines.annotate(not_received=not_received).order_by("pk")
    reviews = {review.order_line_id: review for review in Review.objects.filter(order_line__order=order)}
    result = []
    for line in lines:
        refusal = rules.review_eligibility(
            is_owner=is_owner,
            is_delivered=order.status == OrderStatus.DELIVERED,
            was_received=not line.not_received,
            delivered_at=when,
            now=now,
        )
        result.append(LineReview(line=line, review=reviews.get(line.pk), refusal=refusal))
    return result


def review_facts(*, hub: Hub, now: datetime) -> list[rules.ReviewFacts]:
    """Return what the fraud signals read of a hub's recent reviews."""
    rows = Review.objects.filter(hub=hub, created_at__gte=now - FRAUD_LOOKBACK).values_list(
        "pk", "product_id", "author_id", "rating", "created_at", "account_created_at", "network_hash", "device_hash"
    )
    return [
        rules.ReviewFacts(
            review_id=pk,
            product_id=product_id,
            # An erased author still counts as one distinct author.
            author_id=author_id if author_id is not None else -pk,
            rating=rating,
            created_at=created_at,
            account_created_at=account_created_at,
            network_hash=network_hash,
            device_hash=device_hash,
        )
        for pk, product_id, author_id, rating, created_at, account_created_at, network_hash, device_hash in rows
    ]


def flag_explanation(flag: rules.Flag) -> str:
    """Return the moderator's explanation of a fraud signal."""
    p = flag.params
    if flag.code == rules.RATING_BURST:
        return _("%(count)s top ratings of this product within %(hours)s hours.") % p
    if flag.code == rules.NEW_ACCOUNTS:
        return _("%(count)s authors reviewed this product within days of creating their account (less than %(days)s days).") % p
    if flag.code == rules.SHARED_NETWORK:
        return _("%(count)s different authors wrote reviews from the same network.") % p
    if flag.code == rules.SHARED_DEVICE:
        return _("%(count)s different authors wrote reviews from the same network and browser.") % p
    if flag.code == rules.RATING_SHIFT:
        return _("The %(count)s recent ratings average %(recent)s, far from this product's history (%(history)s).") % p
    return flag.code


@dataclass
class QueueItem:
    review: Review
    open_reports: list[ReviewReport]
    flags: list[tuple[str, str]]


def moderation_queue(*, hub: Hub, now: datetime) -> list[QueueItem]:
    """Return the pending and reported reviews of a hub, oldest first, with fraud signals."""
    open_reports = ReviewReport.objects.filter(review=OuterRef("pk"), resolved_at__isnull=True)
    reviews = list(
        Review.objects.filter(hub=hub)
        .filter(Q(status=ReviewStatus.PENDING) | Q(Exists(open_reports)))
        .select_related("product", "order_line")
        .order_by("created_at", "pk")
    )
    reports: dict[int, list[ReviewReport]] = {}
    for report in ReviewReport.objects.filter(review__in=reviews, resolved_at__isnull=True):
        reports.setdefault(report.review_id, []).append(report)
    flags = rules.fraud_flags(review_facts(hub=hub, now=now), now=now)
    return [
        QueueItem(
            review=review,
            open_reports=reports.get(review.pk, []),
            flags=[(flag.code, flag_explanation(flag)) for flag in flags.get(review.pk, ())],
        )
        for review in reviews
    ]


def flags_of(*, review: Review, now: datetime) -> list[dict[str, object]]:
    """Return the fraud signals on one review, as stored in the moderation log."""
    flags = rules.fraud_flags(review_facts(hub=review.hub, now=now), now=now).get(review.pk, ())
    return [{"code": flag.code, **flag.params} for flag in flags]


def review_list_for_producer(*, producer) -> QuerySet[Review]:
    """Return the published reviews of a producer's products, newest first."""
    return (
        Review.objects.filter(product__producer=producer, status=ReviewStatus.PUBLISHED)
        .select_related("product", "reply")
        .order_by("-published_at", "-pk")
    )
