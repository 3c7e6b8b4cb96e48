"""What a capture below the final amount leaves unpaid, per line and on the fee (pure rule)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from panier.orders.rules import unpaid_shares


def test_a_heavier_line_bears_the_shortfall_first():
    """Saucissons weighed 13.82 for 12.00 ordered, 2 cents above what was captured: only they go unpaid."""
    taken, fee = unpaid_shares(bases=[1300, 1055, 1382], ordered=[1300, 1055, 1200], fee_cents=690, captured_cents=4425)
    assert (taken, fee) == ([0, 0, 2], 0)


def test_then_the_fee_then_the_other_lines():
    """A shortfall beyond the increase takes the fee, then the lines in proportion."""
    taken, fee = unpaid_shares(bases=[1000, 1100], ordered=[1000, 1000], fee_cents=300, captured_cents=1000)
    # 14.00 unpaid: 1.00 of the heavier line, the 3.00 fee, then 10.00 split over what is left (10.00 each).
    assert (taken, fee) == ([500, 100 + 500], 300)


def test_nothing_is_unpaid_before_capture():
    assert unpaid_shares(bases=[500], ordered=[400], fee_cents=100, captured_cents=None) == ([0], 0)


@given(
    lines=st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000)), min_size=1, max_size=5),
    fee=st.integers(0, 900),
    captured=st.integers(0, 30000),
)
def test_unpaid_shares_add_up_to_the_shortfall_and_stay_within_each_amount(lines, fee, captured):
    bases = [base for base, _ in lines]
    ordered = [was for _, was in lines]
    taken, fee_taken = unpaid_shares(bases=bases, ordered=ordered, fee_cents=fee, captured_cents=captured)
    shortfall = max(0, sum(bases) + fee - captured)
    assert sum(taken) + fee_taken == min(shortfall, sum(bases) + fee)
    assert 0 <= fee_taken <= fee
    assert all(0 <= t <= base for t, base in zip(taken, bases, strict=True))
    increases = [max(0, base - was) for base, was in zip(bases, ordered, strict=True)]
    if shortfall <= sum(increases):
        # Only the heavier lines, each within its increase.
        assert fee_taken == 0
        assert all(t <= inc for t, inc in zip(taken, increases, strict=True))
    else:
        assert all(t >= inc for t, inc in zip(taken, increases, strict=True))
