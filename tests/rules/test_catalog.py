"""Catalog pricing rules: unit prices and goods sold by weight."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.catalog.rules import line_price_cents, unit_price_cents, weighed_price_cents


@pytest.mark.parametrize(
    ("price", "quantity", "expected"),
    [
        (390, 250, 1560),  # 250 g at 3.90 € -> 15.60 €/kg
        (1055, 500, 2110),
        (250, 750, 333),  # 3.333… rounds down
        (100, 600, 167),  # 166.67 rounds up
        (1, 2000, 1),  # 0.5 cent rounds half up
        (650, 1000, 650),
    ],
)
def test_unit_price_per_kg_or_litre(price, quantity, expected):
    """The price per kg or litre is the pack price scaled to 1000 g or mL, half up."""
    assert unit_price_cents(price, quantity) == expected


@pytest.mark.parametrize("quantity", [None, 0, -250])
def test_no_unit_price_without_a_positive_net_quantity(quantity):
    """Without a positive net quantity there is no unit price to show."""
    assert unit_price_cents(390, quantity) is None


@pytest.mark.parametrize(
    ("per_kg", "grams", "expected"),
    [
        (100, 5, 1),  # 0.5 cent -> 1
        (100, 4, 0),  # 0.4 cent -> 0
        (1290, 350, 452),  # 451.5 -> 452
        (1999, 125, 250),  # 249.875 -> 250
        (2490, 1000, 2490),
        (2490, 0, 0),
    ],
)
def test_weighed_price_rounds_half_up(per_kg, grams, expected):
    """A weighed price is rounded once, halves up."""
    assert weighed_price_cents(per_kg, grams) == expected


def test_line_price_by_weight_uses_the_estimated_weight_per_item():
    """3 cheeses of about 300 g at 24.90 €/kg: 7.47 € each, 22.41 € in all."""
    assert (
        line_price_cents(price_cents=2490, quantity=3, sold_by_weight=True, estimated_weight_g=300)
        == 2241
    )
    assert (
        line_price_cents(price_cents=650, quantity=3, sold_by_weight=False, estimated_weight_g=None)
        == 1950
    )


def test_negative_or_missing_inputs_are_refused():
    """Negative weights and quantities, and weighed goods without a weight, raise ValueError."""
    with pytest.raises(ValueError, match="weight"):
        weighed_price_cents(1000, -1)
    with pytest.raises(ValueError, match="quantity"):
        line_price_cents(price_cents=650, quantity=-1, sold_by_weight=False, estimated_weight_g=None)
    with pytest.raises(ValueError, match="weight"):
        line_price_cents(price_cents=2490, quantity=1, sold_by_weight=True, estimated_weight_g=None)
    with pytest.raises(ValueError, match="weight"):
        line_price_cents(price_cents=2490, quantity=1, sold_by_weight=True, estimated_weight_g=-300)


prices = st.integers(min_value=0, max_value=10**6)
grams = st.integers(min_value=0, max_value=10**5)


@given(per_kg=prices, g=grams)
def test_weighed_price_is_within_half_a_cent_of_the_exact_price(per_kg, g):
    """Rounding moves a weighed price by at most half a cent."""
    exact = Decimal(per_kg) * g / 1000
    assert abs(weighed_price_cents(per_kg, g) - exact) <= Decimal("0.5")


@given(per_kg=prices, g=grams, extra=grams)
def test_heavier_never_costs_less(per_kg, g, extra):
    """The weighed price never decreases when the weight grows."""
    assert weighed_price_cents(per_kg, g + extra) >= weighed_price_cents(per_kg, g)


@given(
    price=prices,
    qty=st.integers(min_value=0, max_value=99),
    by_weight=st.booleans(),
    g=st.integers(min_value=1, max_value=10**5),
)
def test_line_price_is_item_price_times_quantity(price, qty, by_weight, g):
    """A line costs the (estimated) price of one item times the quantity, rounded per item."""
    one = weighed_price_cents(price, g) if by_weight else price
    assert (
        line_price_cents(price_cents=price, quantity=qty, sold_by_weight=by_weight, estimated_weight_g=g)
        == one * qty
    )
