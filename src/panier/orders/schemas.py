"""JSON shapes of the order API: what the customer sees of an order."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from panier.orders.models import Order


class OrderLineOut(Schema):
    product_name: str
    variant_label: str
    producer: str
    seller_name: str
    quantity: int
    unit_price_cents: int = Field(..., description="Price incl. VAT; per kg for goods sold by weight.")
    sold_by_weight: bool
    estimated_weight_g: int | None = None
    final_weight_g: int | None = None
    line_total_cents: int
    tax_rate_bp: int

    @staticmethod
    def resolve_producer(obj) -> str:
        return obj.producer.name


class OrderSlotOut(Schema):
    starts_at: datetime
    ends_at: datetime


class OrderPickupPointOut(Schema):
    name: str
    address: str
    postal_code: str
    city: str


class VatRateOut(Schema):
    rate_bp: int
    gross_cents: int
    net_cents: int
    vat_cents: int


class OrderOut(Schema):
    number: str
    hub: str
    status: str
    fulfilment: str
    slot: OrderSlotOut
    pickup_point: OrderPickupPointOut | None = None
    lines: list[OrderLineOut]
    goods_cents: int
    delivery_fee_cents: int
    total_cents: int
    vat_cents: int
    vat: list[VatRateOut]
    currency: str
    placed_at: datetime
    paid_at: datetime | None = None
    payment_due_by: datetime | None = None
    has_weighed_items: bool = Field(..., description="The final price is set when the goods are weighed.")

    @staticmethod
    def resolve_hub(obj: Order) -> str:
        return obj.hub.slug

    @staticmethod
    def resolve_lines(obj: Order) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_vat(obj: Order) -> list:
        return list(obj.vat_breakdown or [])
