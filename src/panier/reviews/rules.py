"""Review rules: who may review, averages and fraud signals. Pure: no Django.

French law on online reviews (C. conso L111-7-2, D111-16 to D111-19, and
the Omnibus directive 2019/2161) asks that a "verified" review come from
a real purchase, that positive and negative reviews be published alike,
and that the author of a refused review be told why. The fraud signals
below only flag reviews for a moderator; none rejects a review by itself.
"""

from __future__ import annotations

import ipaddress
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MIN_RATING = 1
MAX_RATING = 5

#: A review can be written up to this long after the delivery.
REVIEW_WINDOW = timedelta(days=365)
#: Moderators decide on a pending review within this many days.
MODERATION_DELAY_DAYS = 7
#: Reviews are kept (and shown) this many years after publication.
RETENTION_YEARS = 3

# Eligibility answers (``None`` means the line may be reviewed).
NOT_OWNER = "not_owner"
NOT_DELIVERED = "not_delivered"
NOT_RECEIVED = "not_received"
WINDOW_CLOSED = "window_closed"

# Sort orders offered next to the reviews; chronological comes first
# (D111-19: a chronological order must be one of the options).
SORT_RECENT = "recent"
SORT_OLDEST = "oldest"
SORT_HIGHEST = "highest"
SORT_LOWEST = "lowest"
SORTS = (SORT_RECENT, SORT_OLDEST, SORT_HIGHEST, SORT_LOWEST)

# Fraud signal codes: API and template contract, never renamed.
RATING_BURST = "rating_burst"
NEW_ACCOUNTS = "new_accounts"
SHARED_NETWORK = "shared_network"
SHARED_DEVICE = "shared_device"
RATING_SHIFT = "rating_shift"


def review_eligibility(
    *,
    is_owner: bool,
    is_delivered: bool,
    was_received: bool,
    delivered_at: datetime | None,
    now: datetime,
) -> str | None:
    """Return why an order line cannot be reviewed, or None if it can.

    Only the customer who received the product may review it, which is
    what makes the review "verified" (Omnibus, UCPD Annex I point 23b).
    A line missing or replaced at packing was not received.
    """
    if not is_owner:
        return NOT_OWNER
    if not is_delivered or delivered_at is None:
        return NOT_DELIVERED
    if not was_received:
        return NOT_RECEIVED
    if now - delivered_at > REVIEW_WINDOW:
        return WINDOW_CLOSED
    return None


def rating_average_tenths(total: int, count: int) -> int:
    """Return the average rating in tenths of a star, rounded half up.

    ``total`` is the sum of ``count`` ratings; 0 when there are none.
    """
    if count <= 0:
        return 0
    # round_half_up(10 * total / count) in integers.
    return (20 * total + count) // (2 * count)


def network_prefix(ip: str) -> str:
    """Return the /24 (IPv4) or /48 (IPv6) network of an address, or "".

    The raw address is never stored; callers hash this prefix.
    """
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """What the fraud signals read of one review."""

    review_id: int
    product_id: int
    author_id: int
    rating: int
    created_at: datetime
    account_created_at: datetime
    network_hash: str = ""
    device_hash: str = ""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The limits of the fraud signals; the defaults suit a local shop."""

    burst_count: int = 5
    burst_window: timedelta = timedelta(hours=24)
    burst_min_rating: int = 5
    new_account_age: timedelta = timedelta(days=14)
    new_account_count: int = 3
    new_account_window: timedelta = timedelta(days=7)
    shared_authors: int = 3
    shared_window: timedelta = timedelta(days=30)
    shift_recent: timedelta = timedelta(days=14)
    shift_min_history: int = 10
    shift_min_recent: int = 5
    shift_min_stars: float = 1.5
    shift_min_z: float = 3.0


@dataclass(frozen=True, slots=True)
class Flag:
    """A fraud signal raised on a review, with what explains it."""

    code: str
    params: dict[str, int | float] = field(default_factory=dict, hash=False, compare=False)


def _bursts(reviews: Sequence[ReviewFacts], t: Thresholds) -> dict[int, Flag]:
    flagged: dict[int, Flag] = {}
    by_product: dict[int, list[ReviewFacts]] = defaultdict(list)
    for review in reviews:
        if review.rating >= t.burst_min_rating:
            by_product[review.product_id].append(review)
    for items in by_product.values():
        items.sort(key=lambda r: r.created_at)
        start = 0
        for end in range(len(items)):
            while items[end].created_at - items[start].created_at > t.burst_window:
                start += 1
            size = end - start + 1
            if size >= t.burst_count:
                hours = int(t.burst_window.total_seconds() // 3600)
                for review in items[start : end + 1]:
                    previous = flagged.get(review.review_id)
                    if previous is None or previous.params["count"] < size:
                        flagged[review.review_id] = Flag(RATING_BURST, {"count": size, "hours": hours})
    return flagged


def _new_accounts(reviews: Sequence[ReviewFacts], t: Thresholds) -> dict[int, Flag]:
    flagged: dict[int, Flag] = {}
    by_product: dict[int, list[ReviewFacts]] = defaultdict(list)
    for review in reviews:
        if review.created_at - review.account_created_at < t.new_account_age:
            by_product[review.product_id].append(review)
    days = t.new_account_age.days
    for items in by_product.values():
        items.sort(key=lambda r: r.created_at)
        start = 0
        for end in range(len(items)):
            while items[end].created_at - items[start].created_at > t.new_account_window:
                start += 1
            window = items[start : end + 1]
            authors = {r.author_id for r in window}
            if len(authors) >= t.new_account_count:
                for review in window:
                    flagged[review.review_id] = Flag(NEW_ACCOUNTS, {"count": len(authors), "days": days})
    return flagged


def _shared(reviews: Sequence[ReviewFacts], t: Thresholds, attribute: str, code: str) -> dict[int, Flag]:
    flagged: dict[int, Flag] = {}
    groups: dict[str, list[ReviewFacts]] = defaultdict(list)
    for review in reviews:
        key = getattr(review, attribute)
        if key:
            groups[key].append(review)
    for items in groups.values():
        items.sort(key=lambda r: r.created_at)
        start = 0
        for end in range(len(items)):
            while items[end].created_at - items[start].created_at > t.shared_window:
                start += 1
            window = items[start : end + 1]
            authors = {r.author_id for r in window}
            if len(authors) >= t.shared_authors:
                for review in window:
                    flagged[review.review_id] = Flag(code, {"count": len(authors)})
    return flagged


def _shifts(reviews: Sequence[ReviewFacts], t: Thresholds, now: datetime) -> dict[int, Flag]:
    flagged: dict[int, Flag] = {}
    by_product: dict[int, list[ReviewFacts]] = defaultdict(list)
    for review in reviews:
        by_product[review.product_id].append(review)
    since = now - t.shift_recent
    for items in by_product.values():
        history = [r.rating for r in items if r.created_at < since]
        recent = [r for r in items if r.created_at >= since]
        if len(history) < t.shift_min_history or len(recent) < t.shift_min_recent:
            continue
        mean_h = sum(history) / len(history)
        spread = math.sqrt(sum((x - mean_h) ** 2 for x in history) / len(history))
        mean_r = sum(r.rating for r in recent) / len(recent)
        delta = mean_r - mean_h
        # A floor on the spread keeps a perfectly steady history from
        # turning any change at all into an infinite z-score.
        z = abs(delta) / (max(spread, 0.5) / math.sqrt(len(recent)))
        if abs(delta) >= t.shift_min_stars and z >= t.shift_min_z:
            params = {"recent": round(mean_r, 1), "history": round(mean_h, 1), "count": len(recent)}
            for review in recent:
                flagged[review.review_id] = Flag(RATING_SHIFT, params)
    return flagged


def fraud_flags(
    reviews: Iterable[ReviewFacts], *, now: datetime, thresholds: Thresholds | None = None
) -> dict[int, tuple[Flag, ...]]:
    """Return the fraud signals raised on each review, by review id.

    ``reviews`` are the recent reviews of one hub, whatever their state
    (refused ones are evidence too). Signals:

    - ``rating_burst``: many top ratings of one product in a short window;
    - ``new_accounts``: several reviews of one product, close together,
      from accounts created shortly before reviewing;
    - ``shared_network`` / ``shared_device``: several authors behind one
      network prefix, or one prefix and browser;
    - ``rating_shift``: the recent ratings of a product far from its
      history (difference of means and its z-score).

    Reviews with no signal are absent from the result.
    """
    t = thresholds or Thresholds()
    items = list(reviews)
    found: dict[int, list[Flag]] = defaultdict(list)
    for flags in (
        _bursts(items, t),
        _new_accounts(items, t),
        _shared(items, t, "network_hash", SHARED_NETWORK),
        _shared(items, t, "device_hash", SHARED_DEVICE),
        _shifts(items, t, now),
    ):
        for review_id, flag in flags.items():
            found[review_id].append(flag)
    return {review_id: tuple(flags) for review_id, flags in found.items()}
