"""Basket pages: show the basket, add, change and remove lines.

Every refusal (bad input, unknown or other hub's product, not enough
stock) re-renders the basket with a message and a 400 or 409 status;
nothing here answers 500 to bad input.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from panier.cart.errors import ProductUnavailable
from panier.cart.forms import AddForm, RemoveForm, UpdateForm
from panier.cart.models import CartLine
from panier.cart.services import cart_add, cart_remove, cart_set_quantity
from panier.cart.session import remember_basket_count, request_basket, request_cart
from panier.core.errors import Conflict, PanierError
from panier.hubs.decorators import hub_view
from panier.hubs.models import Hub


def _checkout_url(hub: Hub) -> str | None:
    try:
        return reverse("checkout:start", kwargs={"hub_slug": hub.slug})
    except NoReverseMatch:
        return None


def _safe_next(request: HttpRequest) -> str | None:
    """Return the ``next`` path of the form if it is a path of this site."""
    target = request.POST.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        return None
    # Whitespace or control characters cannot go into a Location header.
    if any(char.isspace() or not char.isprintable() for char in target):
        return None
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return target


def _render(request: HttpRequest, hub: Hub, *, status: int = 200) -> HttpResponse:
    basket = request_basket(request, hub)
    remember_basket_count(request, hub, basket.item_count)
    context = {
        "hub": hub,
        "basket": basket,
        "groups": basket.by_producer(),
        "checkout_url": _checkout_url(hub),
        # The hub's minimum order, checked again when the order is placed.
        "missing_cents": max(0, hub.min_order_cents - basket.goods_cents) if basket.lines else 0,
        "continue_url": _safe_next(request) if request.method == "POST" else None,
    }
    return render(request, "cart/shop/detail.html", context, status=status)


def _refuse(request: HttpRequest, hub: Hub, message: str, *, status: int) -> HttpResponse:
    messages.error(request, message)
    return _render(request, hub, status=status)


def _refuse_error(request: HttpRequest, hub: Hub, exc: PanierError) -> HttpResponse:
    return _refuse(request, hub, exc.message, status=409 if isinstance(exc, Conflict) else 400)


@require_safe
@hub_view
def detail(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    return _render(request, hub)


def _cross_site(request: HttpRequest) -> bool:
    """Whether the browser says the request comes from another site."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin is None or origin in settings.CSRF_TRUSTED_ORIGINS:
        return False
    return urlsplit(origin).netloc != request.get_host()


def _wants_json(request: HttpRequest) -> bool:
    """Whether the add came from the page's script, which asks for JSON."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _json_error(exc: PanierError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def _added(hub: Hub, line: CartLine) -> JsonResponse:
    """The answer to the page's script: the message and the basket's new count."""
    count = line.basket_count
    return JsonResponse(
        {
            "message": _added_message(line),
            "count": count,
            "count_label": "(%s)" % (ngettext("%(counter)s item", "%(counter)s items", count) % {"counter": count}),
            "basket_url": reverse("cart:detail", kwargs={"hub_slug": hub.slug}),
        }
    )


def _added_message(line: CartLine) -> str:
    return _("“%(name)s” was added to your basket.") % {"name": line.variant.product.display_name}


# The add form sits on catalog pages, which carry no CSRF token so that they
# set no cookie and can be cached. Cross-site posts are refused from the
# Origin and Sec-Fetch-Site headers instead; the session cookie is also
# SameSite=Lax, so a cross-site post could only fill a fresh, empty basket.
#
# Without JavaScript the form posts and the browser goes on to the basket
# (or back to the page in ``next``). With it (web/panier.js) the page posts
# the same form asking for JSON and stays where it is: the answer carries
# the message and the navigation's new basket count, and refusals come as
# JSON errors with a stable ``code`` and a 4xx status.
@csrf_exempt
@require_POST
@hub_view
def add(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    wants_json = _wants_json(request)
    if _cross_site(request):
        message = _("Products can only be added from this shop's pages.")
        if wants_json:
            return JsonResponse({"code": "cross_site", "message": str(message)}, status=403)
        return HttpResponseForbidden(message)
    form = AddForm(request.POST)
    if not form.is_valid():
        if wants_json:
            return _json_error(form.error())
        return _refuse(request, hub, form.error_message(), status=400)
    cart = request_cart(request, hub, create=True)
    try:
        line = cart_add(
            cart=cart,
            variant_id=form.cleaned_data["variant"],
            quantity=form.cleaned_data["quantity"],
        )
    except PanierError as exc:
        if wants_json:
            return _json_error(exc)
        return _refuse_error(request, hub, exc)
    if wants_json:
        return _added(hub, line)
    messages.success(request, _added_message(line))
    return redirect(_safe_next(request) or reverse("cart:detail", kwargs={"hub_slug": hub.slug}))


@require_POST
@hub_view
def update(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    form = UpdateForm(request.POST)
    if not form.is_valid():
        return _refuse(request, hub, form.error_message(), status=400)
    cart = request_cart(request, hub)
    if cart is None:
        return _refuse_error(request, hub, ProductUnavailable(field="variant"))
    try:
        line = cart_set_quantity(
            cart=cart,
            variant_id=form.cleaned_data["variant"],
            quantity=form.cleaned_data["quantity"],
        )
    except PanierError as exc:
        return _refuse_error(request, hub, exc)
    if line is None:
        messages.success(request, _("The product was removed from your basket."))
    else:
        messages.success(request, _("Your basket was updated."))
    return redirect("cart:detail", hub_slug=hub.slug)


@require_POST
@hub_view
def remove(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    form = RemoveForm(request.POST)
    if not form.is_valid():
        return _refuse(request, hub, form.error_message(), status=400)
    cart = request_cart(request, hub)
    if cart is not None:
        cart_remove(cart=cart, variant_id=form.cleaned_data["variant"])
    messages.success(request, _("The product was removed from your basket."))
    return redirect("cart:detail", hub_slug=hub.slug)
