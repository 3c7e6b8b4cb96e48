"""Stock writes: reserve, release, count.

Stock is claimed with one conditional UPDATE per variant, always in
variant-id order, so that two orders for the same popular products lock
rows in the same order and cannot deadlock on PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.db import transaction
from django.db.models import F

from panier.catalog.invalidation import bump_on_commit
from panier.catalog.selectors import LOW_STOCK
from panier.inventory.errors import StockInsufficient
from panier.inventory.models import MovementReason, Stock, StockMovement

logger = logging.getLogger(__name__)


def _band(remaining: int) -> int:
    """What the catalog shows of a stock level: sold out, "only N left", or in stock."""
    return min(max(remaining, 0), LOW_STOCK + 1)


def _invalidate_changed_bands(deltas: Mapping[int, int]) -> None:
    """Invalidate cached pages of hubs whose displayed availability changed.

    ``deltas`` maps variant id to the change just applied (negative for a
    reservation). One query for all the lines.
    """
    rows = Stock.objects.filter(variant_id__in=list(deltas)).values_list(
        "variant_id", "remaining", "variant__product__hub_id"
    )
    for variant_id, remaining, hub_id in rows:
        if _band(remaining) != _band(remaining - deltas[variant_id]):
            bump_on_commit(hub_id)


def stock_reserve(*, quantities: Mapping[int, int], reference: str) -> None:
    """Take ``quantities`` (variant id -> units) out of the stock, all or none.

    Must run inside a transaction: when a line is short the whole
    transaction has to be rolled back, which undoes the other lines.

    Raises StockInsufficient listing every short line and what is left.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock_reserve must run inside a transaction")
    shortages: dict[int, int] = {}
    movements = []
    changed_bands = []
    # One statement per line that both claims the units and says what is
    # left (for the catalog's availability bands); plain SQL, since the
    # ORM's update() cannot return the row.
    claim = (
        f"UPDATE {Stock._meta.db_table} SET remaining = remaining - %s "  # noqa: S608 - the model's own table
        "WHERE variant_id = %s AND remaining >= %s RETURNING remaining"
    )
    with transaction.get_connection().cursor() as cursor:
        for variant_id in sorted(quantities):
            qty = quantities[variant_id]
            if qty <= 0:
                raise ValueError("quantities must be positive")
            cursor.execute(claim, [qty, variant_id, qty])
            row = cursor.fetchone()
            if row is None:
                left = Stock.objects.filter(variant_id=variant_id).values_list("remaining", flat=True).first()
                shortages[variant_id] = left or 0
                continue
            if _band(row[0]) != _band(row[0] + qty):
                changed_bands.append(variant_id)
            movements.append(
                StockMovement(variant_id=variant_id, delta=-qty, reason=MovementReason.RESERVED, reference=reference)
            )
    if shortages:
        raise StockInsufficient(shortages)
    StockMovement.objects.bulk_create(movements)
    if changed_bands:
        _invalidate_changed_bands({vid: -quantities[vid] for vid in changed_bands})


def stock_release(*, quantities: Mapping[int, int], reference: str) -> None:
    """Give reserved units back to the stock (cancelled or unpaid order)."""
    movements = []
    for variant_id in sorted(quantities):
        qty = quantities[variant_id]
        Stock.objects.filter(variant_id=variant_id).update(remaining=F("remaining") + qty)
        movements.append(
            StockMovement(variant_id=variant_id, delta=qty, reason=MovementReason.RELEASED, reference=reference)
        )
    StockMovement.objects.bulk_create(movements)
    _invalidate_changed_bands(dict(quantities))


def stock_set(*, variant_id: int, remaining: int, reference: str = "") -> Stock:
    """Set the units available after a count, recording the difference."""
    if remaining < 0:
        raise ValueError("stock cannot be negative")
    with transaction.atomic():
        stock, _ = Stock.objects.select_for_update().get_or_create(
            variant_id=variant_id, defaults={"remaining": 0}
        )
        delta = remaining - stock.remaining
        stock.remaining = remaining
        stock.save(update_fields=["remaining", "updated_at"])
        if delta:
            StockMovement.objects.create(
                variant_id=variant_id, delta=delta, reason=MovementReason.ADJUSTMENT, reference=reference
            )
            _invalidate_changed_bands({variant_id: delta})
    return stock
