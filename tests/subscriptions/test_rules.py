"""Pure rules of recurring baskets."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.subscriptions import rules

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
every = st.sampled_from([rules.WEEKLY_DAYS, rules.FORTNIGHTLY_DAYS])
quantities = st.dictionaries(st.integers(1, 20), st.integers(0, 12), max_size=8)
stock = st.dictionaries(st.integers(1, 20), st.integers(0, 12), max_size=8)


def test_weekly_and_fortnightly_dates():
    """A weekly box comes every 7 days from its first day, a fortnightly one every 14."""
    start = date(2026, 3, 21)

    assert rules.is_due(starts_on=start, every_days=7, on=date(2026, 3, 28)) is True
    assert rules.is_due(starts_on=start, every_days=14, on=date(2026, 3, 28)) is False
    assert rules.is_due(starts_on=start, every_days=14, on=date(2026, 4, 4)) is True
    assert rules.is_due(starts_on=start, every_days=7, on=date(2026, 3, 14)) is False
    assert list(rules.cycles(starts_on=start, every_days=14, after=date(2026, 3, 30), count=2)) == [
        date(2026, 4, 4),
        date(2026, 4, 18),
    ]


def test_non_positive_period_is_refused():
    with pytest.raises(ValueError, match="every_days"):
        rules.is_due(starts_on=date(2026, 1, 1), every_days=0, on=date(2026, 1, 1))


@given(start=days, period=every, after=days, count=st.integers(1, 10))
def test_cycles_are_exactly_the_due_dates(start, period, after, count):
    """Every date cycles() yields is due, none is before ``after``, and no due date is missed between them."""
    dates = list(rules.cycles(starts_on=start, every_days=period, after=after, count=count))

    assert len(dates) == count
    assert all(rules.is_due(starts_on=start, every_days=period, on=d) for d in dates)
    assert dates[0] >= after
    assert dates[0] - timedelta(days=period) < max(after, start)
    assert all(b - a == timedelta(days=period) for a, b in zip(dates, dates[1:], strict=False))


@given(wanted=quantities, available=stock)
def test_reduce_never_exceeds_stock_or_wish(wanted, available):
    """Reduced quantities fit both the wish and the stock, and shortfalls add up."""
    result = rules.fill(wanted=wanted, available=available, policy=rules.REDUCE)

    for variant, qty in result.quantities.items():
        assert 0 < qty <= wanted[variant]
        assert qty <= available.get(variant, 0)
    for variant, qty in wanted.items():
        if qty > 0:
            assert result.quantities.get(variant, 0) + result.short.get(variant, 0) == qty


@given(wanted=quantities, available=stock)
def test_skip_is_all_or_nothing(wanted, available):
    """With the skip policy a cycle gets its whole basket or nothing."""
    result = rules.fill(wanted=wanted, available=available, policy=rules.SKIP)

    if result.short:
        assert result.quantities == {}
    else:
        assert result.quantities == {v: q for v, q in wanted.items() if q > 0}


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="policy"):
        rules.fill(wanted={1: 1}, available={1: 1}, policy="maybe")
