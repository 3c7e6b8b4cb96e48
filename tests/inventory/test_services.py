"""Stock writes: reservation all or nothing, release, counts and their ledger."""

import pytest
from django.db import transaction

from panier.inventory.errors import StockInsufficient
from panier.inventory.models import MovementReason, Stock, StockMovement
from panier.inventory.services import stock_release, stock_reserve, stock_set
from tests import factories


def remaining(shop, index):
    return Stock.objects.get(variant=shop.variant(index)).remaining


def ledger(shop, index):
    return list(
        StockMovement.objects.filter(variant=shop.variant(index))
        .order_by("pk")
        .values_list("delta", "reason", "reference")
    )


def test_reserve_takes_every_line(shop):
    """Enough stock on every line: each is reduced and recorded with the order reference."""
    with transaction.atomic():
        stock_reserve(
            quantities={shop.variant(0).pk: 4, shop.variant(2).pk: 3}, reference="HUB-0001"
        )

    assert remaining(shop, 0) == 6
    assert remaining(shop, 2) == 0
    assert ledger(shop, 0) == [(-4, MovementReason.RESERVED, "HUB-0001")]
    assert ledger(shop, 2) == [(-3, MovementReason.RESERVED, "HUB-0001")]


def test_reserve_is_all_or_nothing_and_lists_every_shortage(shop):
    """Two short lines out of three: the error lists both with what is left; nothing changes."""
    quantities = {shop.variant(0).pk: 2, shop.variant(1).pk: 6, shop.variant(2).pk: 4}

    with pytest.raises(StockInsufficient) as exc, transaction.atomic():
        stock_reserve(quantities=quantities, reference="HUB-0002")

    assert exc.value.code == "stock_insufficient"
    assert exc.value.shortages == {shop.variant(1).pk: 5, shop.variant(2).pk: 3}
    assert exc.value.as_dict()["shortages"] == sorted(
        [
            {"variant_id": shop.variant(1).pk, "available": 5},
            {"variant_id": shop.variant(2).pk, "available": 3},
        ],
        key=lambda s: s["variant_id"],
    )
    assert (remaining(shop, 0), remaining(shop, 1), remaining(shop, 2)) == (10, 5, 3)
    assert StockMovement.objects.count() == 0


def test_a_variant_without_stock_row_is_short_of_everything(shop):
    """A variant never stocked is not for sale: its shortage shows 0 left."""
    variant = shop.variant(0)
    Stock.objects.filter(variant=variant).delete()

    with pytest.raises(StockInsufficient) as exc, transaction.atomic():
        stock_reserve(quantities={variant.pk: 1}, reference="HUB-0003")

    assert exc.value.shortages == {variant.pk: 0}


@pytest.mark.parametrize("qty", [0, -1])
def test_reserve_refuses_non_positive_quantities(shop, qty):
    """A zero or negative quantity is a programming error, not a shortage."""
    with pytest.raises(ValueError, match="positive"), transaction.atomic():
        stock_reserve(quantities={shop.variant(0).pk: qty}, reference="HUB-0004")
    assert remaining(shop, 0) == 10


@pytest.mark.django_db(transaction=True)
def test_reserve_refuses_to_run_outside_a_transaction():
    """Without a transaction a short line could not undo the others, so it refuses to start."""
    shop = factories.make_shop()

    with pytest.raises(RuntimeError, match="transaction"):
        stock_reserve(quantities={shop.variant(0).pk: 1}, reference="HUB-0005")

    assert remaining(shop, 0) == 10
    assert StockMovement.objects.count() == 0


def test_release_gives_units_back(shop):
    """Releasing an order's units adds them back and records each variant."""
    with transaction.atomic():
        stock_reserve(quantities={shop.variant(0).pk: 3, shop.variant(1).pk: 2}, reference="HUB-0006")
    stock_release(quantities={shop.variant(0).pk: 3, shop.variant(1).pk: 2}, reference="HUB-0006")

    assert (remaining(shop, 0), remaining(shop, 1)) == (10, 5)
    assert ledger(shop, 0) == [
        (-3, MovementReason.RESERVED, "HUB-0006"),
        (3, MovementReason.RELEASED, "HUB-0006"),
    ]
    assert ledger(shop, 1) == [
        (-2, MovementReason.RESERVED, "HUB-0006"),
        (2, MovementReason.RELEASED, "HUB-0006"),
    ]


def test_set_records_the_difference_in_the_ledger(shop):
    """A count sets the units left; the ledger holds the difference, and nothing when unchanged."""
    stock = stock_set(variant_id=shop.variant(0).pk, remaining=14, reference="count 1")
    assert stock.remaining == 14
    stock_set(variant_id=shop.variant(0).pk, remaining=14, reference="count 2")
    stock_set(variant_id=shop.variant(0).pk, remaining=9, reference="count 3")

    assert remaining(shop, 0) == 9
    assert ledger(shop, 0) == [
        (4, MovementReason.ADJUSTMENT, "count 1"),
        (-5, MovementReason.ADJUSTMENT, "count 3"),
    ]
    # The ledger replays to the current stock from the first count's base.
    assert 10 + sum(delta for delta, _, _ in ledger(shop, 0)) == 9


def test_set_creates_the_stock_of_a_new_variant(shop):
    """Counting a variant with no stock row yet creates it."""
    variant = shop.variant(1)
    Stock.objects.filter(variant=variant).delete()

    stock_set(variant_id=variant.pk, remaining=7)

    assert Stock.objects.get(variant=variant).remaining == 7
    assert ledger(shop, 1) == [(7, MovementReason.ADJUSTMENT, "")]


def test_set_refuses_a_negative_count(shop):
    """Stock cannot be negative: the count is refused and nothing is recorded."""
    with pytest.raises(ValueError, match="negative"):
        stock_set(variant_id=shop.variant(0).pk, remaining=-1)

    assert remaining(shop, 0) == 10
    assert StockMovement.objects.count() == 0
