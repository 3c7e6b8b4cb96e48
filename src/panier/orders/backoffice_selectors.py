"""Reads of the producer back office and of the hub order board.

Every function scopes its queryset by the producer or hub it is given,
so an object of another producer or hub is simply not found (404).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet

from panier.catalog.models import Product, ProductImage, Variant
from panier.delivery.models import Slot
from panier.hubs.models import Hub
from panier.orders import rules
from panier.orders.models import Order, OrderLine, OrderStatus
from panier.orders.selectors import order_detail_queryset
from panier.producers.models import Producer

# Orders a producer has to bring goods for.
COLLECTABLE = (rules.PAID, rules.IN_PREPARATION, rules.READY)
# Orders a producer sees: unpaid and failed ones are not theirs to act on.
PRODUCER_VISIBLE = tuple(s for s in rules.TRANSITIONS if s not in (rules.PENDING_PAYMENT, rules.PAYMENT_FAILED))


def day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """Return the aware instants where ``day`` starts and ends in the hub's time zone."""
    tz = ZoneInfo(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def local_day(instant: datetime, tz_name: str) -> date:
    return instant.astimezone(ZoneInfo(tz_name)).date()


# Producer back office ---------------------------------------------------


def producer_products(*, producer: Producer) -> QuerySet[Product]:
    """The producer's products with category, variants, stock and photos (4 queries)."""
    return (
        Product.objects.filter(producer=producer)
        .select_related("category")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.select_related("stock").order_by("position", "pk")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk")),
        )
        .order_by("name", "pk")
    )


def producer_product(*, producer: Producer, product_id: int) -> Product | None:
    return producer_products(producer=producer).filter(pk=product_id).first()


def producer_variant(*, producer: Producer, variant_id: int) -> Variant | None:
    return (
        Variant.objects.select_related("product", "stock")
        .filter(pk=variant_id, product__producer=producer)
        .first()
    )


def producer_image(*, producer: Producer, image_id: int) -> ProductImage | None:
    return ProductImage.objects.select_related("product").filter(pk=image_id, product__producer=producer).first()


def producer_orders(*, producer: Producer, status: str = "") -> QuerySet[Order]:
    """Orders holding goods of the producer, each with only the producer's lines
    in ``producer_lines``. Customer contact data is not loaded."""
    qs = (
        Order.objects.filter(lines__producer=producer, status__in=PRODUCER_VISIBLE)
        .distinct()
        .select_related("slot", "hub")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.filter(producer=producer).order_by("pk"),
                to_attr="producer_lines",
            )
        )
        .only(
            "pk", "number", "status", "first_name", "fulfilment", "placed_at", "hub_id", "slot_id",
            "slot__starts_at", "slot__ends_at", "slot__kind", "hub__timezone", "hub__name",
        )
        .order_by("slot__starts_at", "number")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def producer_order(*, producer: Producer, number: str) -> Order | None:
    return producer_orders(producer=producer).filter(number=number).first()


@dataclass
class CollectionRow:
    """What the producer brings of one variant, and for which orders."""

    variant_id: int
    product_name: str
    variant_label: str
    sold_by_weight: bool
    quantity: int = 0
    order_numbers: list[str] = field(default_factory=list)


def collection_days(*, producer: Producer, since: date) -> list[date]:
    """Delivery days (hub time) from ``since`` on with goods of the producer to bring."""
    tz_name = producer.hub.timezone
    start, _ = day_bounds(since, tz_name)
    starts = (
        OrderLine.objects.filter(
            producer=producer, order__status__in=COLLECTABLE, order__slot__starts_at__gte=start
        )
        .values_list("order__slot__starts_at", flat=True)
        .distinct()
    )
    return sorted({local_day(s, tz_name) for s in starts})


def collection_list(*, producer: Producer, day: date) -> list[CollectionRow]:
    """The goods the producer brings to the hub for the slots of ``day`` (1 query).

    Only paid orders that are not yet out of the hub count. Quantities
    add up across orders; each order number appears once per variant.
    """
    start, end = day_bounds(day, producer.hub.timezone)
    lines = (
        OrderLine.objects.filter(
            producer=producer,
            order__status__in=COLLECTABLE,
            order__slot__starts_at__gte=start,
            order__slot__starts_at__lt=end,
        )
        .values_list("variant_id", "product_name", "variant_label", "sold_by_weight", "quantity", "order__number")
        .order_by("product_name", "variant_label", "variant_id", "order__number")
    )
    rows: dict[int, CollectionRow] = {}
    for variant_id, product_name, label, by_weight, quantity, number in lines:
        row = rows.setdefault(variant_id, CollectionRow(variant_id, product_name, label, by_weight))
        row.quantity += quantity
        if number not in row.order_numbers:
            row.order_numbers.append(number)
    return list(rows.values())


# Hub order board ----------------------------------------------------------


def hubs_for_operator(*, user) -> QuerySet[Hub]:
    """The hubs a user may run: those they staff, or every hub for a superuser."""
    if not user.is_authenticated:
        return Hub.objects.none()
    if user.is_superuser:
        return Hub.objects.order_by("name")
    return Hub.objects.filter(staff__user=user).order_by("name")


def hub_for_operator(*, user, slug: str) -> Hub | None:
    return hubs_for_operator(user=user).filter(slug=slug).first()


@dataclass
class SlotRow:
    slot: Slot
    orders: list[Order]
    total: int
    by_status: list[tuple[str, int]]


@dataclass
class Board:
    day: date
    status: str
    slots: list[SlotRow]

    @property
    def shown(self) -> int:
        return sum(len(row.orders) for row in self.slots)

    @property
    def total(self) -> int:
        return sum(row.total for row in self.slots)


def operator_board(*, hub: Hub, day: date, status: str = "") -> Board:
    """The slots of ``day`` (hub time) with their orders and counts (2 queries).

    Counts per slot cover every order; the lists show those in ``status``
    (all when empty).
    """
    start, end = day_bounds(day, hub.timezone)
    slots = list(
        Slot.objects.filter(hub=hub, starts_at__gte=start, starts_at__lt=end)
        .select_related("pickup_point")
        .order_by("starts_at", "pk")
    )
    orders = list(
        Order.objects.filter(hub=hub, slot__in=[s.pk for s in slots])
        .select_related("zone", "pickup_point")
        .order_by("placed_at", "pk")
    )
    rows = []
    for slot in slots:
        mine = [o for o in orders if o.slot_id == slot.pk]
        counts = Counter(o.status for o in mine)
        shown = [o for o in mine if not status or o.status == status]
        by_status = [(OrderStatus(s).label, counts[s]) for s in rules.TRANSITIONS if counts[s]]
        rows.append(SlotRow(slot=slot, orders=shown, total=len(mine), by_status=by_status))
    return Board(day=day, status=status, slots=rows)


def operator_order(*, hub: Hub, number: str) -> Order | None:
    """An order of ``hub`` with lines and history (the events' actors loaded)."""
    return order_detail_queryset().filter(hub=hub, number=number).first()
