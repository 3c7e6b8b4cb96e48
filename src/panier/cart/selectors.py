"""Basket reads. A basket is loaded in a fixed number of queries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import connection

from panier.cart.models import Cart, CartLine
from panier.catalog import rules as catalog_rules
from panier.catalog.models import Product, Variant
from panier.core.sqlcache import KeptQuery
from panier.hubs.models import Hub


@dataclass(frozen=True)
class CartLineView:
    line_id: int
    variant: Variant
    product: Product
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    unit_price_per_unit_cents: int | None
    available: int
    is_available: bool

    @property
    def is_short(self) -> bool:
        return self.quantity > self.available

    @property
    def producer(self):
        return self.product.producer


@dataclass(frozen=True)
class CartView:
    cart: Cart | None
    lines: tuple[CartLineView, ...]

    @property
    def goods_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_problems(self) -> bool:
        return any(line.is_short or not line.is_available for line in self.lines)

    def by_producer(self) -> list[tuple[object, list[CartLineView]]]:
        groups: dict[int, tuple[object, list[CartLineView]]] = {}
        for line in self.lines:
            groups.setdefault(line.product.producer_id, (line.product.producer, []))[1].append(line)
        return list(groups.values())


_CART_OF_USER = KeptQuery("cart.get.user", lambda p: Cart.objects.filter(hub_id=p.int("hub"), user_id=p.int("user")))
_CART_OF_TOKEN = KeptQuery(
    "cart.get.token", lambda p: Cart.objects.filter(hub_id=p.int("hub"), token=p.uuid("token"), user__isnull=True)
)


def cart_get(*, hub: Hub, user=None, token: str | uuid.UUID | None = None) -> Cart | None:
    """Return the user's basket at a hub, or the anonymous one with ``token``."""
    if user is not None and user.is_authenticated:
        return _CART_OF_USER(hub=hub.pk, user=user.pk).first()
    if not token:
        return None
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    return _CART_OF_TOKEN(hub=hub.pk, token=token).first()


_LINE_RELATIONS = ("variant__product__producer", "variant__product__category", "variant__stock")


def _line_views(lines, hub_id: int) -> tuple[CartLineView, ...]:
    views = []
    for line in lines:
        variant = line.variant
        product = variant.product
        stock = getattr(variant, "stock", None)
        available = stock.remaining if stock is not None else 0
        is_available = variant.is_active and product.is_active and product.hub_id == hub_id
        unit_price = (
            catalog_rules.weighed_price_cents(variant.price_cents, variant.estimated_weight_g or 0)
            if product.sold_by_weight
            else variant.price_cents
        )
        views.append(
            CartLineView(
                line_id=line.pk,
                variant=variant,
                product=product,
                quantity=line.quantity,
                unit_price_cents=unit_price,
                line_total_cents=unit_price * line.quantity,
                unit_price_per_unit_cents=(
                    variant.price_cents
                    if product.sold_by_weight
                    else catalog_rules.unit_price_cents(variant.price_cents, variant.net_quantity)
                ),
                available=available,
                is_available=is_available,
            )
        )
    return tuple(views)


def cart_view(*, cart: Cart | None) -> CartView:
    """Return a basket with prices and availability (1 query).

    The basket and checkout pages show no product photos, so the images
    are not loaded.
    """
    if cart is None:
        return CartView(cart=None, lines=())
    lines = CartLine.objects.filter(cart=cart).select_related(*_LINE_RELATIONS)
    return CartView(cart=cart, lines=_line_views(lines, cart.hub_id))


_OWNER_LINES_OF_USER = KeptQuery(
    "cart.owner_lines.user",
    lambda p: CartLine.objects.filter(cart__hub_id=p.int("hub"), cart__user_id=p.int("user")).select_related(
        "cart", *_LINE_RELATIONS
    ),
)
_OWNER_LINES_OF_TOKEN = KeptQuery(
    "cart.owner_lines.token",
    lambda p: CartLine.objects.filter(
        cart__hub_id=p.int("hub"), cart__token=p.uuid("token"), cart__user__isnull=True
    ).select_related("cart", *_LINE_RELATIONS),
)


def _owner_lines(*, hub: Hub, user=None, token: str | uuid.UUID | None = None):
    """The lines of a user's basket, or of the anonymous one with ``token``, at ``hub``; None without a valid token."""
    if user is not None and user.is_authenticated:
        return _OWNER_LINES_OF_USER(hub=hub.pk, user=user.pk)
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    return _OWNER_LINES_OF_TOKEN(hub=hub.pk, token=token)


def cart_view_find(*, hub: Hub, user=None, token: str | uuid.UUID | None = None) -> CartView:
    """Find a user's or a token's basket at ``hub`` and load it with its lines.

    One query when the basket has lines (the basket comes with them), two
    when it is empty, none without a user or a valid token. The same
    basket as ``cart_view(cart=cart_get(...))``.
    """
    lines = _owner_lines(hub=hub, user=user, token=token)
    if lines is None:
        return CartView(cart=None, lines=())
    loaded = list(lines)
    if not loaded:
        return CartView(cart=cart_get(hub=hub, user=user, token=token), lines=())
    return CartView(cart=loaded[0].cart, lines=_line_views(loaded, hub.pk))


def cart_item_count(*, hub: Hub | int, user=None, token: str | uuid.UUID | None = None) -> int:
    """Return the number of items in the basket of a user or a token (1 query).

    Every page's navigation shows this count, so it is one plain statement
    rather than an ORM aggregate (whose query building and compilation cost
    several times the query itself).
    """
    if user is not None and user.is_authenticated:
        owner, value = "c.user_id = %s", user.pk
    else:
        try:
            token = uuid.UUID(str(token))
        except ValueError:
            return 0
        owner = "c.token = %s AND c.user_id IS NULL"
        value = Cart._meta.get_field("token").get_db_prep_value(token, connection)
    quote = connection.ops.quote_name
    tables = f"{quote(CartLine._meta.db_table)} l JOIN {quote(Cart._meta.db_table)} c ON c.id = l.cart_id"
    sql = f"SELECT COALESCE(SUM(l.quantity), 0) FROM {tables} WHERE c.hub_id = %s AND {owner}"  # noqa: S608 - our own names
    with connection.cursor() as cursor:
        cursor.execute(sql, [getattr(hub, "pk", hub), value])
        return int(cursor.fetchone()[0])
