"""Basket writes. Quantities are checked against the stock left, but
nothing is reserved until the order is placed."""

from __future__ import annotations

from contextlib import nullcontext

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from panier.cart import rules
from panier.cart.errors import InvalidQuantity, NotEnoughStock, ProductUnavailable
from panier.cart.models import Cart, CartLine
from panier.catalog.models import Variant
from panier.core.sqlcache import KeptQuery
from panier.hubs.models import Hub


def cart_create(*, hub: Hub, user=None) -> Cart:
    """Create a basket, or return the user's existing one at this hub."""
    if user is not None and user.is_authenticated:
        try:
            with transaction.atomic():
                return Cart.objects.get_or_create(hub=hub, user=user)[0]
        except IntegrityError:
            return Cart.objects.get(hub=hub, user=user)
    return Cart.objects.create(hub=hub)


# Only what a basket write needs (the product's names for the message,
# the stock left); other fields load on first use.
_VARIANT_FOR = KeptQuery(
    "cart.variant_for",
    lambda p: Variant.objects.select_related("product", "stock")
    .only("product__name", "product__name_en", "product__hub_id", "stock__remaining")
    .filter(pk=p.int("variant"), is_active=True, product__is_active=True, product__hub_id=p.int("hub"))[:1],
)


def _variant_for(cart: Cart, variant_id: object) -> Variant:
    try:
        vid = int(str(variant_id))
    except (TypeError, ValueError):
        raise ProductUnavailable(field="variant") from None
    found = list(_VARIANT_FOR(variant=vid, hub=cart.hub_id))
    if not found:
        raise ProductUnavailable(field="variant")
    return found[0]


def _available(variant: Variant) -> int:
    stock = getattr(variant, "stock", None)
    return stock.remaining if stock is not None else 0


# One statement adds the units: a new line is inserted, an existing one
# grows, but only up to ``limit`` (the stock left, at most MAX_QUANTITY).
# Two adds at once cannot both insert the line (the conflict turns the
# second into the update) nor lose units (the update reads the row it
# locks). On PostgreSQL the basket's stamp is written by the same
# statement (a refused add stamps it too: the basket was active). The
# last column is the basket's item count after the add:
# the other lines' units plus this line's.
_UPSERT = """
{touch}INSERT INTO cart_cartline (cart_id, variant_id, quantity, added_at)
VALUES (%(cart)s, %(variant)s, %(qty)s, %(now)s)
ON CONFLICT (cart_id, variant_id) DO UPDATE
    SET quantity = cart_cartline.quantity + excluded.quantity
    WHERE cart_cartline.quantity + excluded.quantity <= %(limit)s
RETURNING id, quantity, quantity + (
    SELECT COALESCE(SUM(other.quantity), 0) FROM cart_cartline other
    WHERE other.cart_id = %(cart)s AND other.variant_id <> %(variant)s
)
"""
_TOUCH_PG = "WITH touched AS (UPDATE cart_cart SET updated_at = %(now)s WHERE id = %(cart)s)\n"


def cart_add(*, cart: Cart, variant_id: object, quantity: object) -> CartLine:
    """Add units of a variant to a basket.

    Raises InvalidQuantity, ProductUnavailable, or NotEnoughStock when the
    basket would hold more than is left. The line returned carries the
    variant (with its product) and, as ``basket_count``, the basket's
    item count after the add; its ``added_at`` is not read back.
    """
    qty = rules.parse_quantity(quantity)
    if qty is None:
        raise InvalidQuantity(field="quantity")
    variant = _variant_for(cart, variant_id)
    available = _available(variant)
    if qty > available:
        raise NotEnoughStock(available)
    now = timezone.now()
    params = {"cart": cart.pk, "variant": variant.pk, "qty": qty,
              "now": connection.ops.adapt_datetimefield_value(now),
              "limit": min(available, rules.MAX_QUANTITY)}
    postgres = connection.vendor == "postgresql"
    with nullcontext() if postgres else transaction.atomic():
        if not postgres:
            Cart.objects.filter(pk=cart.pk).update(updated_at=now)
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT.format(touch=_TOUCH_PG if postgres else ""), params)
            row = cursor.fetchone()
    if row is None:
        # The line exists and the add would take it past the limit.
        held = CartLine.objects.filter(cart=cart, variant=variant).values_list("quantity", flat=True).first() or 0
        if held + qty > rules.MAX_QUANTITY:
            raise InvalidQuantity(field="quantity")
        raise NotEnoughStock(available)
    line = CartLine(id=row[0], cart=cart, variant=variant, quantity=row[1])
    line.basket_count = row[2]
    return line


def cart_set_quantity(*, cart: Cart, variant_id: object, quantity: object) -> CartLine | None:
    """Set the units of a variant in a basket; 0 removes the line."""
    qty = rules.parse_quantity(quantity, allow_zero=True)
    if qty is None:
        raise InvalidQuantity(field="quantity")
    if qty == 0:
        cart_remove(cart=cart, variant_id=variant_id)
        return None
    variant = _variant_for(cart, variant_id)
    available = _available(variant)
    if qty > available:
        raise NotEnoughStock(available)
    # One UPDATE for a line already in the basket (the usual case); an
    # insert otherwise, which a concurrent insert of the same line turns
    # into that UPDATE.
    lines = CartLine.objects.filter(cart=cart, variant=variant)
    if not lines.update(quantity=qty):
        try:
            with transaction.atomic():
                return CartLine.objects.create(cart=cart, variant=variant, quantity=qty)
        except IntegrityError:
            lines.update(quantity=qty)
    line = lines.get()
    line.variant = variant
    return line


def cart_remove(*, cart: Cart, variant_id: object) -> None:
    try:
        vid = int(str(variant_id))
    except (TypeError, ValueError):
        raise ProductUnavailable(field="variant") from None
    CartLine.objects.filter(cart=cart, variant_id=vid).delete()


def cart_clear(*, cart: Cart) -> None:
    CartLine.objects.filter(cart=cart).delete()


def cart_merge(*, source: Cart, user) -> Cart:
    """Merge an anonymous basket into the user's basket at the same hub.

    Quantities add up, capped by the stock left and MAX_QUANTITY; the
    anonymous basket is deleted.
    """
    with transaction.atomic():
        target = cart_create(hub=source.hub, user=user)
        if target.pk == source.pk:
            return target
        # Logins from several tabs merge the same anonymous basket at once:
        # locking it lets the first one merge it and the others find it
        # gone, instead of adding it twice or inserting the same line twice.
        if Cart.objects.select_for_update().filter(pk=source.pk).first() is None:
            return target
        Cart.objects.select_for_update().filter(pk=target.pk).first()
        existing = {line.variant_id: line for line in target.lines.select_for_update()}
        for line in source.lines.select_related("variant__stock"):
            cap = min(rules.MAX_QUANTITY, _available(line.variant))
            if line.variant_id in existing:
                mine = existing[line.variant_id]
                mine.quantity = max(1, min(mine.quantity + line.quantity, cap))
                mine.save(update_fields=["quantity"])
            else:
                CartLine.objects.create(cart=target, variant_id=line.variant_id, quantity=max(1, min(line.quantity, cap)))
        source.delete()
    return target
