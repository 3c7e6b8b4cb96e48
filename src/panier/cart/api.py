"""Basket API. The basket's token is the only key to it: no login, no cookie."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from panier.cart.models import Cart
from panier.cart.schemas import CartOut, LineAddIn, LineSetIn
from panier.cart.selectors import cart_get, cart_view
from panier.cart.services import cart_add, cart_create, cart_remove, cart_set_quantity
from panier.catalog.api import hub_or_404
from panier.core.api import Id, errors, idempotency_key_header, idempotent
from panier.core.errors import NotFound
from panier.hubs.models import Hub

router = Router(tags=["basket"])


def cart_or_404(hub: Hub, token: str) -> Cart:
    """Return the anonymous basket of a hub with ``token``, or raise NotFound."""
    cart = cart_get(hub=hub, token=token[:64])
    if cart is None:
        raise NotFound()
    cart.hub = hub
    return cart


def _out(cart: Cart) -> CartOut:
    return CartOut.of(cart_view(cart=cart), min_order_cents=cart.hub.min_order_cents)


@router.post(
    "/hubs/{hub}/carts",
    response={201: CartOut, **errors(404)},
    summary="Open a basket",
)
def cart_create_api(request: HttpRequest, hub: str):
    """Return a new empty basket; its token gives access to it."""
    shop = hub_or_404(hub)
    cart = cart_create(hub=shop)
    cart.hub = shop
    return 201, _out(cart)


@router.get(
    "/hubs/{hub}/carts/{token}",
    response={200: CartOut, **errors(404)},
    summary="Show a basket",
)
def cart_get_api(request: HttpRequest, hub: str, token: str):
    return _out(cart_or_404(hub_or_404(hub), token))


@router.post(
    "/hubs/{hub}/carts/{token}/lines",
    response={200: CartOut, **errors(400, 404, 409, 422)},
    summary="Add a product to a basket",
)
def cart_add_api(
    request: HttpRequest,
    hub: str,
    token: str,
    payload: LineAddIn,
    idempotency_key: str | None = idempotency_key_header(),
):
    """Add units of a variant; the line's quantity grows if it is already there.

    Answers 409 `stock_insufficient` when the basket would hold more than
    is left. Send an `Idempotency-Key` to retry safely.
    """
    cart = cart_or_404(hub_or_404(hub), token)

    def run() -> tuple[int, CartOut]:
        cart_add(cart=cart, variant_id=payload.variant_id, quantity=payload.quantity)
        return 200, _out(cart)

    return idempotent(request, scope="cart_add", key=idempotency_key, run=run)


@router.put(
    "/hubs/{hub}/carts/{token}/lines/{variant_id}",
    response={200: CartOut, **errors(400, 404, 409, 422)},
    summary="Set the quantity of a product in a basket",
)
def cart_set_quantity_api(request: HttpRequest, hub: str, token: str, variant_id: Id, payload: LineSetIn):
    """Set the units of a variant; 0 removes the line."""
    cart = cart_or_404(hub_or_404(hub), token)
    cart_set_quantity(cart=cart, variant_id=variant_id, quantity=payload.quantity)
    return _out(cart)


@router.delete(
    "/hubs/{hub}/carts/{token}/lines/{variant_id}",
    response={200: CartOut, **errors(404, 422)},
    summary="Remove a product from a basket",
)
def cart_remove_api(request: HttpRequest, hub: str, token: str, variant_id: Id):
    cart = cart_or_404(hub_or_404(hub), token)
    cart_remove(cart=cart, variant_id=variant_id)
    return _out(cart)
