"""Pure review rules: eligibility, averages, network prefixes and fraud signals.

The fraud signals are tested on generated traffic: honest traffic (old
accounts, one network and browser per author, top ratings spread out, a
steady rating level per product) raises no flag, and each generated fraud
pattern injected into it raises its own flag on the reviews involved.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panier.reviews import rules
from panier.reviews.rules import ReviewFacts

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


# Eligibility and arithmetic ---------------------------------------------------


def test_delivered_line_of_its_buyer_can_be_reviewed():
    """The buyer of a delivered, received line may review it within the window."""
    assert (
        rules.review_eligibility(
            is_owner=True, is_delivered=True, was_received=True, delivered_at=NOW - timedelta(days=3), now=NOW
        )
        is None
    )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(is_owner=False), rules.NOT_OWNER),
        (dict(is_delivered=False), rules.NOT_DELIVERED),
        (dict(delivered_at=None), rules.NOT_DELIVERED),
        (dict(was_received=False), rules.NOT_RECEIVED),
        (dict(delivered_at=NOW - rules.REVIEW_WINDOW - timedelta(seconds=1)), rules.WINDOW_CLOSED),
    ],
)
def test_ineligible_lines_say_why(kwargs, expected):
    """Another customer, an undelivered or missing line, or a late review is refused with its reason."""
    base = dict(is_owner=True, is_delivered=True, was_received=True, delivered_at=NOW - timedelta(days=1), now=NOW)
    base.update(kwargs)

    assert rules.review_eligibility(**base) == expected


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=200))
def test_average_tenths_is_the_mean_rounded_half_up(ratings):
    """The average in tenths is 10 × mean rounded half up, and stays within 1.0–5.0."""
    total, count = sum(ratings), len(ratings)

    tenths = rules.rating_average_tenths(total, count)

    # Exact rational check: tenths - 0.5 <= 10*total/count < tenths + 0.5
    assert (2 * tenths - 1) * count <= 20 * total < (2 * tenths + 1) * count
    assert 10 <= tenths <= 50


def test_average_examples():
    """4.5 stays 4.5; 13/3 rounds to 4.3; 2.25 rounds half up to 2.3; none is 0."""
    assert rules.rating_average_tenths(9, 2) == 45
    assert rules.rating_average_tenths(13, 3) == 43
    assert rules.rating_average_tenths(9, 4) == 23
    assert rules.rating_average_tenths(0, 0) == 0


@pytest.mark.parametrize(
    ("ip", "prefix"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        (" 198.51.100.1 ", "198.51.100.0/24"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
        ("::ffff:192.0.2.9", "192.0.2.0/24"),
        ("not an ip", ""),
        ("", ""),
    ],
)
def test_network_prefix(ip, prefix):
    """Addresses reduce to their /24 or /48 network; junk gives nothing."""
    assert rules.network_prefix(ip) == prefix


# Generated traffic ------------------------------------------------------------


class Traffic:
    """Builds ReviewFacts with fresh ids, authors and fingerprints."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.authors = itertools.count(1)

    def review(self, *, product: int, rating: int, at: datetime, author: int | None = None,
               account_age: timedelta = timedelta(days=400), network: str | None = None,
               device: str | None = None) -> ReviewFacts:
        author = author if author is not None else next(self.authors)
        return ReviewFacts(
            review_id=next(self.ids),
            product_id=product,
            author_id=author,
            rating=rating,
            created_at=at,
            account_created_at=at - account_age,
            network_hash=network if network is not None else f"net-{author}",
            device_hash=device if device is not None else f"dev-{author}",
        )


@st.composite
def honest_traffic(draw) -> tuple[Traffic, list[ReviewFacts]]:
    """Reviews of a few products over 120 days, as real customers write them.

    Each product has a steady level (ratings q or q + 1), consecutive
    reviews of a product are at least 7 hours apart (so never 5 top
    ratings in 24 hours), each author has an old account and their own
    network and browser.
    """
    traffic = Traffic()
    reviews: list[ReviewFacts] = []
    for product in range(1, draw(st.integers(1, 4)) + 1):
        level = draw(st.integers(1, 4))
        gaps = draw(st.lists(st.integers(7 * 60, 6 * 24 * 60), min_size=0, max_size=25))
        at = NOW - timedelta(days=120)
        for gap in gaps:
            at += timedelta(minutes=gap)
            if at > NOW:
                break
            rating = level + draw(st.integers(0, 1))
            account_age = timedelta(days=draw(st.integers(30, 2000)))
            reviews.append(traffic.review(product=product, rating=rating, at=at, account_age=account_age))
    return traffic, reviews


def _flagged(reviews, code):
    flags = rules.fraud_flags(reviews, now=NOW)
    return {rid for rid, found in flags.items() if any(f.code == code for f in found)}


@settings(max_examples=150, deadline=None)
@given(honest_traffic())
def test_honest_traffic_raises_no_flag(generated):
    """Steady, spread-out reviews from distinct, established customers are not flagged."""
    _traffic, reviews = generated

    assert rules.fraud_flags(reviews, now=NOW) == {}


@settings(max_examples=75, deadline=None)
@given(honest_traffic(), st.integers(5, 12), st.integers(10, 24 * 60), st.integers(0, 100))
def test_burst_of_top_ratings_is_flagged(generated, size, span_min, days_ago):
    """Five or more top ratings of one product within 24 hours raise rating_burst on each."""
    traffic, reviews = generated
    start = NOW - timedelta(days=days_ago, hours=1)
    burst = [
        traffic.review(product=1, rating=5, at=start + timedelta(minutes=span_min * i // (size - 1)))
        for i in range(size)
    ]

    flagged = _flagged(reviews + burst, rules.RATING_BURST)

    assert {r.review_id for r in burst} <= flagged


@settings(max_examples=75, deadline=None)
@given(honest_traffic(), st.integers(3, 8), st.integers(0, 13), st.integers(1, 5))
def test_reviews_from_new_accounts_are_flagged(generated, size, age_days, rating):
    """Three or more authors with accounts under 14 days old reviewing one product within a week raise new_accounts."""
    traffic, reviews = generated
    start = NOW - timedelta(days=10)
    fresh = [
        traffic.review(product=2, rating=rating, at=start + timedelta(hours=20 * i), account_age=timedelta(days=age_days))
        for i in range(size)
    ]

    flagged = _flagged(reviews + fresh, rules.NEW_ACCOUNTS)

    assert {r.review_id for r in fresh} <= flagged


@settings(max_examples=75, deadline=None)
@given(honest_traffic(), st.integers(3, 8), st.booleans())
def test_many_authors_behind_one_network_or_device_are_flagged(generated, size, same_browser):
    """Three or more authors on one network prefix raise shared_network; on one browser too, shared_device."""
    traffic, reviews = generated
    start = NOW - timedelta(days=20)
    ring = [
        traffic.review(
            product=1 + i % 3,
            rating=5,
            at=start + timedelta(days=2 * i),
            network="net-ring",
            device="dev-ring" if same_browser else None,
        )
        for i in range(size)
    ]

    ids = {r.review_id for r in ring}
    assert ids <= _flagged(reviews + ring, rules.SHARED_NETWORK)
    if same_browser:
        assert ids <= _flagged(reviews + ring, rules.SHARED_DEVICE)
    else:
        assert not ids & _flagged(reviews + ring, rules.SHARED_DEVICE)


@settings(max_examples=75, deadline=None)
@given(st.integers(10, 40), st.integers(5, 12), st.sampled_from([(4, 1), (1, 5), (3, 1)]), st.randoms())
def test_ratings_far_from_the_history_are_flagged(history_size, recent_size, levels, rnd):
    """Recent ratings averaging 1.5 stars or more away from a steady history raise rating_shift."""
    level, attack = levels
    traffic = Traffic()
    history = [
        traffic.review(product=7, rating=level + rnd.randint(0, 1), at=NOW - timedelta(days=30 + 3 * i))
        for i in range(history_size)
    ]
    recent = [
        traffic.review(product=7, rating=attack, at=NOW - timedelta(days=13, hours=-25 * i))
        for i in range(recent_size)
    ]

    flags = rules.fraud_flags(history + recent, now=NOW)

    assert {r.review_id for r in recent} <= _flagged(history + recent, rules.RATING_SHIFT)
    assert all(f.code != rules.RATING_SHIFT for r in history for f in flags.get(r.review_id, ()))


def test_flag_params_explain_the_signal():
    """A burst flag carries how many top ratings and in how many hours."""
    traffic = Traffic()
    burst = [traffic.review(product=1, rating=5, at=NOW - timedelta(hours=i)) for i in range(6)]

    flags = rules.fraud_flags(burst, now=NOW)

    assert flags[burst[0].review_id][0].code == rules.RATING_BURST
    assert flags[burst[0].review_id][0].params == {"count": 6, "hours": 24}


def test_four_top_ratings_in_a_day_are_not_a_burst():
    """The burst threshold is five: four top ratings in a day pass."""
    traffic = Traffic()
    reviews = [traffic.review(product=1, rating=5, at=NOW - timedelta(hours=i)) for i in range(4)]

    assert rules.fraud_flags(reviews, now=NOW) == {}
