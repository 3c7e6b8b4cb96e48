"""JSON shapes of the basket API."""

from __future__ import annotations

import uuid

from ninja import Field, Schema

from panier.cart.rules import MAX_QUANTITY
from panier.cart.selectors import CartLineView, CartView
from panier.core.api import JsonInt, StrictId


# The bounds of a quantity are documented here but enforced by the basket
# services, so that a client gets their specific `invalid_quantity` code.
class LineAddIn(Schema):
    variant_id: StrictId
    quantity: JsonInt = Field(
        ...,
        description="Units to add, 1 to 99 in the basket in all.",
        json_schema_extra={"minimum": 1, "maximum": MAX_QUANTITY},
    )


class LineSetIn(Schema):
    quantity: JsonInt = Field(
        ...,
        description="Units wanted, 0 to 99; 0 removes the line.",
        json_schema_extra={"minimum": 0, "maximum": MAX_QUANTITY},
    )


class CartLineOut(Schema):
    variant_id: int
    product_slug: str
    product_name: str
    label: str
    producer: str
    quantity: int
    sold_by_weight: bool
    unit_price_cents: int = Field(..., description="Price incl. VAT of one item (estimated if weighed).")
    line_total_cents: int
    unit_price_per_unit_cents: int | None = Field(None, description="Price per kg or litre.")
    available: int
    is_available: bool
    is_short: bool

    @classmethod
    def of(cls, line: CartLineView) -> CartLineOut:
        return cls(
            variant_id=line.variant.pk,
            product_slug=line.product.slug,
            product_name=line.product.display_name,
            label=line.variant.label,
            producer=line.product.producer.name,
            quantity=line.quantity,
            sold_by_weight=line.product.sold_by_weight,
            unit_price_cents=line.unit_price_cents,
            line_total_cents=line.line_total_cents,
            unit_price_per_unit_cents=line.unit_price_per_unit_cents,
            available=max(line.available, 0),
            is_available=line.is_available,
            is_short=line.is_short,
        )


class CartOut(Schema):
    token: uuid.UUID = Field(..., description="The basket's key: keep it secret.")
    lines: list[CartLineOut]
    item_count: int
    goods_cents: int = Field(..., description="Total of the goods incl. VAT (estimated if weighed).")
    min_order_cents: int
    has_problems: bool = Field(..., description="Some lines are no longer available as asked.")

    @classmethod
    def of(cls, view: CartView, *, min_order_cents: int) -> CartOut:
        assert view.cart is not None  # noqa: S101 - narrows the type; callers pass a saved cart
        return cls(
            token=view.cart.token,
            lines=[CartLineOut.of(line) for line in view.lines],
            item_count=view.item_count,
            goods_cents=view.goods_cents,
            min_order_cents=min_order_cents,
            has_problems=view.has_problems,
        )
