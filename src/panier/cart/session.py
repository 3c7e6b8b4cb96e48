"""Which basket a web request uses: the user's, or the anonymous one whose
token the session keeps (one per hub)."""

from __future__ import annotations

from django.http import HttpRequest

from panier.cart.models import Cart
from panier.cart.selectors import CartView, cart_get, cart_view_find
from panier.cart.services import cart_create, cart_merge
from panier.hubs.models import Hub

SESSION_KEY = "panier_carts"

#: Request attribute holding (hub id, items in the basket) for the
#: navigation's basket link (``cart.templatetags.basket``).
COUNT_ATTRIBUTE = "_panier_basket_count"


def remember_basket_count(request: HttpRequest, hub: Hub, count: int) -> None:
    """Tell the page's basket link the count of a basket the view has loaded (spares a query)."""
    setattr(request, COUNT_ATTRIBUTE, (hub.pk, count))


def request_cart(request: HttpRequest, hub: Hub, *, create: bool = False) -> Cart | None:
    """Return the basket of this request at ``hub``, creating it if asked."""
    user = request.user
    if user.is_authenticated:
        cart = cart_get(hub=hub, user=user)
        if cart is None and create:
            cart = cart_create(hub=hub, user=user)
        return cart
    tokens = request.session.get(SESSION_KEY, {})
    cart = cart_get(hub=hub, token=tokens.get(str(hub.pk)))
    if cart is None and create:
        cart = cart_create(hub=hub)
        tokens[str(hub.pk)] = str(cart.token)
        request.session[SESSION_KEY] = tokens
    return cart


def request_basket(request: HttpRequest, hub: Hub) -> CartView:
    """Return the basket of this request at ``hub`` with its lines (usually one query)."""
    user = request.user
    if user.is_authenticated:
        return cart_view_find(hub=hub, user=user)
    return cart_view_find(hub=hub, token=request.session.get(SESSION_KEY, {}).get(str(hub.pk)))


def merge_request_carts(request: HttpRequest, user) -> None:
    """After login: merge the anonymous baskets of the session into the user's."""
    tokens = request.session.pop(SESSION_KEY, {})
    for token in tokens.values():
        cart = Cart.objects.filter(token=token, user__isnull=True).first()
        if cart is not None:
            cart_merge(source=cart, user=user)
