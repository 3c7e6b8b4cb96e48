from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.core.money import Money, round_half_up


def test_round_half_up_rounds_halves_away_from_zero():
    """Halves go up (away from zero); other fractions go to the nearest cent."""
    assert round_half_up(Decimal("0.5")) == 1
    assert round_half_up(Decimal("1.49")) == 1
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("-2.5")) == -3


def test_round_half_up_refuses_floats():
    """A float never reaches money maths."""
    with pytest.raises(TypeError):
        round_half_up(2.5)  # type: ignore[arg-type]


def test_money_refuses_other_currencies_and_floats():
    """Amounts in two currencies do not add; a float is not an amount."""
    with pytest.raises(ValueError, match="currency"):
        Money(100, "EUR") + Money(100, "CHF")
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]


@given(st.integers(-10**12, 10**12), st.integers(-10**12, 10**12), st.integers(0, 1000))
def test_money_arithmetic_is_exact(a, b, k):
    """Sums, differences and integer products are exact."""
    assert (Money(a) + Money(b)).cents == a + b
    assert (Money(a) - Money(b)).cents == a - b
    assert (Money(a) * k).cents == a * k
