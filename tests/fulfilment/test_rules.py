import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.fulfilment import rules


def test_weighed_line_is_charged_at_its_weight():
    """Given 2 items at 20.00 €/kg weighing 650 g in all, when packed, then 13.00 € is charged."""
    assert rules.final_line_cents(
        outcome="packed", unit_price_cents=2000, ordered_quantity=2, packed_quantity=2,
        sold_by_weight=True, weight_g=650, ordered_total_cents=1200,
    ) == 1300


def test_missing_and_partial_lines():
    """A missing line costs nothing; a partly packed unit line is charged for what was packed."""
    assert rules.final_line_cents(
        outcome="missing", unit_price_cents=650, ordered_quantity=3, packed_quantity=0,
        sold_by_weight=False, weight_g=None, ordered_total_cents=1950,
    ) == 0
    assert rules.final_line_cents(
        outcome="packed", unit_price_cents=650, ordered_quantity=3, packed_quantity=2,
        sold_by_weight=False, weight_g=None, ordered_total_cents=1950,
    ) == 1300


def test_weighed_line_without_weight_is_refused():
    """A packed item sold by weight needs its weight."""
    with pytest.raises(ValueError, match="weight"):
        rules.final_line_cents(
            outcome="packed", unit_price_cents=2000, ordered_quantity=1, packed_quantity=1,
            sold_by_weight=True, weight_g=None, ordered_total_cents=600,
        )


def test_nothing_handed_over_means_no_fee():
    """When every line is missing the customer pays neither goods nor delivery."""
    assert rules.final_total_cents([0, 0], delivery_fee_cents=690) == 0
    assert rules.final_total_cents([100, 0], delivery_fee_cents=690) == 790


@given(
    qty=st.integers(1, 20),
    packed=st.integers(0, 20),
    unit=st.integers(0, 100_000),
)
def test_substitute_never_costs_more_than_ordered(qty, packed, unit):
    """Property: a substituted line is charged at most the ordered line total."""
    packed = min(packed, qty)
    total = unit * qty
    got = rules.final_line_cents(
        outcome="substituted", unit_price_cents=unit, ordered_quantity=qty, packed_quantity=packed,
        sold_by_weight=False, weight_g=None, ordered_total_cents=total,
    )
    assert 0 <= got <= total
