"""Order API: a guest reads their order with its access key."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from panier.core.api import errors, text
from panier.core.errors import NotFound
from panier.orders.schemas import OrderOut
from panier.orders.selectors import order_for_customer

router = Router(tags=["orders"])


class OrderKeyIn(Schema):
    key: text(64) = ""


@router.get(
    "/orders/{number}",
    response={200: OrderOut, **errors(404, 422)},
    summary="Show an order",
)
def order_get_api(request: HttpRequest, number: str, query: Query[OrderKeyIn]):
    """`key` is the order's access key, given when the order was placed."""
    order = None
    if len(number) <= 30 and "\x00" not in number:
        order = order_for_customer(number=number, access_key=query.key or None)
    if order is None:
        raise NotFound()
    return order
