"""Pricing rules for the catalog. Pure: no Django.

Unit prices (arrêté of 16 Nov 1999) and the estimated price of goods sold
by weight. Rounding: half up to the cent, once per computed amount
(docs/money.md).
"""

from __future__ import annotations

from decimal import Decimal

from panier.core.money import round_half_up


def unit_price_cents(price_cents: int, net_quantity: int | None) -> int | None:
    """Return the price per kg or litre of a pack of ``net_quantity`` g or mL."""
    if not net_quantity or net_quantity <= 0:
        return None
    return round_half_up(Decimal(price_cents) * 1000 / net_quantity)


def weighed_price_cents(price_per_kg_cents: int, weight_g: int) -> int:
    """Return the price of ``weight_g`` grams at a price per kg."""
    if weight_g < 0:
        raise ValueError("a weight cannot be negative")
    return round_half_up(Decimal(price_per_kg_cents) * weight_g / 1000)


def line_price_cents(
    *, price_cents: int, quantity: int, sold_by_weight: bool, estimated_weight_g: int | None
) -> int:
    """Return the (estimated) VAT-inclusive total of a basket or order line.

    For goods sold by weight, ``price_cents`` is per kg and each item is
    priced at its estimated weight; the final price is set when weighed.
    """
    if quantity < 0:
        raise ValueError("a quantity cannot be negative")
    if sold_by_weight:
        if not estimated_weight_g:
            raise ValueError("goods sold by weight need an estimated weight")
        return weighed_price_cents(price_cents, estimated_weight_g) * quantity
    return price_cents * quantity
