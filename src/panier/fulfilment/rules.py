"""What a packed line costs. Pure: no Django.

The final amount is what the payment is captured for: a missing item is
not charged, a weighed item is charged at its weight, a substitute at most
the price of what was ordered.
"""

from __future__ import annotations

from panier.catalog.rules import weighed_price_cents

PACKED = "packed"
MISSING = "missing"
SUBSTITUTED = "substituted"
OUTCOMES = (PACKED, MISSING, SUBSTITUTED)


def final_line_cents(
    *,
    outcome: str,
    unit_price_cents: int,
    ordered_quantity: int,
    packed_quantity: int,
    sold_by_weight: bool,
    weight_g: int | None,
    ordered_total_cents: int,
) -> int:
    """Return the amount charged for a line once packed.

    ``weight_g`` is the total weight of the packed items of a line sold by
    weight (``unit_price_cents`` is then per kg). Rounding happens once, in
    ``weighed_price_cents``.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    if not 0 <= packed_quantity <= ordered_quantity:
        raise ValueError("the packed quantity must be between 0 and the ordered quantity")
    if outcome == MISSING or packed_quantity == 0:
        return 0
    if outcome == SUBSTITUTED:
        # A substitute never costs more than the item it replaces.
        return ordered_total_cents * packed_quantity // ordered_quantity
    if sold_by_weight:
        if weight_g is None or weight_g <= 0:
            raise ValueError("an item sold by weight needs its weight")
        return weighed_price_cents(unit_price_cents, weight_g)
    return unit_price_cents * packed_quantity


def final_total_cents(line_totals: list[int], *, delivery_fee_cents: int) -> int:
    """Goods plus the fee as ordered; nothing at all when no item is left to hand over."""
    goods = sum(line_totals)
    return goods + delivery_fee_cents if goods else 0
