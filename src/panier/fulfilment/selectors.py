"""Reads of the packing screen and of the labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet

from panier.delivery.models import Slot
from panier.fulfilment.models import Packing
from panier.hubs.models import Hub
from panier.orders import rules as order_rules
from panier.orders.backoffice_selectors import day_bounds
from panier.orders.models import Order, OrderLine

# Orders that are, or have been, on the packing table.
ON_PACKING_TABLE = (
    order_rules.PAID,
    order_rules.IN_PREPARATION,
    order_rules.READY,
    order_rules.OUT_FOR_DELIVERY,
    order_rules.READY_FOR_PICKUP,
    order_rules.DELIVERED,
)


def packing_day_orders(*, hub: Hub, day: date) -> list[Order]:
    """The orders of ``day`` (hub time) to pack or already packed, by slot (2 queries)."""
    start, end = day_bounds(day, hub.timezone)
    return list(
        Order.objects.filter(
            hub=hub, slot__starts_at__gte=start, slot__starts_at__lt=end, status__in=ON_PACKING_TABLE
        )
        .select_related("slot", "zone", "pickup_point", "packing")
        .order_by("slot__starts_at", "slot_id", "number")
    )


def packing_order(*, hub: Hub, number: str) -> Order | None:
    """An order of ``hub`` with its lines, their packing and the packing record (2 queries)."""
    return (
        Order.objects.filter(hub=hub, number=number)
        .select_related("slot", "zone", "pickup_point", "packing")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("packed").order_by("pk")))
        .first()
    )


@dataclass
class Label:
    order: Order
    slot: Slot
    bag: int
    bags: int
    cold: bool
    qr_svg: str


def _qr(text: str) -> str:
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=4, border=1)


def labels_for_orders(orders: list[Order]) -> list[Label]:
    """One label per bag; orders not packed yet get one bag and no cold flag."""
    labels = []
    for order in orders:
        packing: Packing | None = getattr(order, "packing", None)
        bags = packing.bags if packing else 1
        cold = packing.has_cold_items if packing else False
        for bag in range(1, bags + 1):
            labels.append(
                Label(order, order.slot, bag, bags, cold, _qr(f"PANIER:{order.number}:{bag}/{bags}"))
            )
    return labels


def labels_day_orders(*, hub: Hub, day: date) -> QuerySet[Order]:
    start, end = day_bounds(day, hub.timezone)
    return (
        Order.objects.filter(
            hub=hub,
            slot__starts_at__gte=start,
            slot__starts_at__lt=end,
            status__in=(order_rules.READY, order_rules.OUT_FOR_DELIVERY, order_rules.READY_FOR_PICKUP),
        )
        .select_related("slot", "zone", "pickup_point", "packing")
        .order_by("slot__starts_at", "zone__name", "number")
    )
