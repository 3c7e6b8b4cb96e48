"""Checkout pages: details, recap with the order button, payment return.

Step 1 keeps the customer's choices in the session (per hub); step 2
shows the full recap (C. conso L221-14) and places the order with a
server-issued checkout token, so a double submit makes one order. Every
refusal re-renders the page with its message and a 400 or 409 status.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from panier.cart.errors import CartEmpty
from panier.cart.session import remember_basket_count, request_basket, request_cart
from panier.checkout.forms import (
    STORED_FIELDS,
    BuyerForm,
    DetailsForm,
    ReviewForm,
    vat_check_loaded,
)
from panier.checkout.selectors import checkout_order_get, checkout_return_payment, checkout_slot_get
from panier.checkout.services import (
    CheckoutDetails,
    checkout_buyer_tax,
    checkout_complete,
    checkout_pay,
    checkout_payment_returned,
    checkout_placement,
    checkout_quote,
)
from panier.checkout.tasks import payments_reconcile_task
from panier.core import clock
from panier.core.errors import Conflict, PanierError
from panier.core.prefetch import prefetched
from panier.delivery.models import SlotKind
from panier.delivery.selectors import (
    calendar_for,
    slot_rows_open,
    zone_for_address,
)
from panier.hubs.decorators import hub_view
from panier.hubs.models import Hub
from panier.invoicing.selectors import invoices_for_order
from panier.orders.models import Fulfilment, Order, OrderStatus
from panier.orders.selectors import order_for_customer
from panier.orders.views import ORDER_KEYS
from panier.payments.adapters.base import ProviderError

logger = logging.getLogger(__name__)

#: Session key of the step-1 choices and the checkout token, per hub.
SESSION_KEY = "panier_checkout"


def basket_url(hub: Hub) -> str:
    """Return the basket page of ``hub`` (the shop home if there is none)."""
    try:
        return reverse("cart:detail", kwargs={"hub_slug": hub.slug})
    except NoReverseMatch:
        return reverse("catalog:hub_home", kwargs={"hub_slug": hub.slug})


def _state(request: HttpRequest, hub: Hub) -> dict:
    return dict(request.session.get(SESSION_KEY, {}).get(str(hub.pk), {}))


def _save_state(request: HttpRequest, hub: Hub, state: dict | None) -> None:
    states = dict(request.session.get(SESSION_KEY, {}))
    if state is None:
        states.pop(str(hub.pk), None)
    else:
        states[str(hub.pk)] = state
    request.session[SESSION_KEY] = states


def _remember_order(request: HttpRequest, order) -> None:
    keys = dict(request.session.get(ORDER_KEYS, {}))
    keys[order.number] = str(order.access_key)
    # A session keeps the last few orders only.
    request.session[ORDER_KEYS] = dict(list(keys.items())[-20:])


def _status(exc: PanierError) -> int:
    return 409 if isinstance(exc, Conflict) else 400


def _initial(request: HttpRequest, hub: Hub) -> dict:
    state = _state(request, hub)
    if state.get("details"):
        initial = dict(state["details"])
        initial["slot"] = initial.pop("slot_id", "")
        initial["pickup_point"] = initial.pop("pickup_point_id", "") or ""
        return initial
    user = request.user
    if user.is_authenticated:
        return {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": getattr(user, "phone", ""),
        }
    return {}


def _slot_groups(hub: Hub, points: list, now) -> tuple[list, list]:
    """Return the open delivery slots and, per pickup point, its open slots (as rows, in one query)."""
    rows = slot_rows_open(hub=hub, now=now)
    delivery = [s for s in rows if s.kind == SlotKind.DELIVERY]
    by_point = [(point, [s for s in rows if s.kind == SlotKind.PICKUP and s.pickup_point_id == point.pk])
                for point in points]
    return delivery, by_point


@never_cache
@require_http_methods(["GET", "POST"])
@hub_view
def start(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    """Step 1: how and when the order is received, and the contact details."""
    now = clock.now()
    calendar = calendar_for(hub=hub, today=now.astimezone(ZoneInfo(hub.timezone)).date())
    points = calendar.pickup_points
    status = 200
    pristine = False
    if request.method == "POST":
        form = DetailsForm(request.POST, hub=hub, pickup_points=points, now=now)
        buyer = BuyerForm(request.POST, hub=hub, now=now)
        if form.is_valid() and buyer.is_valid():
            # The basket is not needed here: the recap loads it and sends
            # an emptied basket back to the basket page.
            state = _state(request, hub)
            state["details"] = form.stored()
            state["buyer"] = buyer.stored()
            # The recap's order token, written with the details (the recap
            # page itself then writes nothing to the session).
            state["token"] = str(uuid.uuid4())
            _save_state(request, hub, state)
            return redirect("checkout:review", hub_slug=hub.slug)
        status = form.status
    else:
        initial, buyer_initial = _initial(request, hub), _buyer_initial(request, hub)
        # Nothing to prefill: the forms read as for every such visitor, and
        # the template serves their kept HTML. They are built only if it
        # has none yet (the first visit of this hub and language).
        pristine = not initial and not buyer_initial
        make_form = partial(DetailsForm, initial=initial, hub=hub, pickup_points=points, now=now)
        make_buyer = partial(BuyerForm, initial=buyer_initial, hub=hub, now=now)
        if pristine:
            form, buyer = SimpleLazyObject(make_form), SimpleLazyObject(make_buyer)
        else:
            form, buyer = make_form(), make_buyer()
    basket = request_basket(request, hub)
    if basket.is_empty:
        messages.info(request, _("Your basket is empty."))
        return redirect(basket_url(hub))
    remember_basket_count(request, hub, basket.item_count)
    delivery_slots, pickup_groups = _slot_groups(hub, points, now)
    context = {
        "hub": hub,
        "form": form,
        "buyer_form": buyer,
        "basket": basket,
        "delivery_slots": delivery_slots,
        "pickup_groups": pickup_groups,
        "pristine": pristine,
        "selected_slot": "" if pristine else str(form["slot"].value() or ""),
        "selected_fulfilment": "" if pristine else str(form["fulfilment"].value() or ""),
        "basket_link": basket_url(hub),
        "closures": calendar.closures,
    }
    return render(request, "checkout/start.html", context, status=status)


def _review_context(request: HttpRequest, hub: Hub, details: dict, *, now, strict: bool = True) -> dict:
    """Load the basket, zone, slot and quote of the recap.

    Raises PanierError when a choice of step 1 no longer holds (the slot
    closed or filled up, the postal code is no longer served); with
    ``strict`` false, only when the slot no longer exists, so that a
    refused order can be shown again with its message.
    """
    basket = request_basket(request, hub)
    remember_basket_count(request, hub, basket.item_count)
    zone = None
    if details["fulfilment"] == Fulfilment.DELIVERY:
        try:
            latitude, longitude = _coordinates(details)
            zone = zone_for_address(
                hub=hub, postal_code=details["postal_code"], latitude=latitude, longitude=longitude
            )
        except PanierError:
            if strict:
                raise
    slot = checkout_slot_get(hub=hub, slot_id=details["slot_id"], now=now, check_open=strict)
    buyer = _buyer_tax(request, hub, details)
    placement = checkout_placement(hub=hub, view=basket, zone=zone, buyer=buyer, now=now)
    quote = checkout_quote(hub=hub, view=basket, zone=zone, exempt=buyer.exempt, placement=placement)
    return {
        "buyer": buyer,
        "company": _state(request, hub).get("buyer") or {},
        "hub": hub,
        "basket": basket,
        "groups": basket.by_producer(),
        "has_weighed_items": any(line.product.sold_by_weight for line in basket.lines),
        "details": details,
        "zone": zone,
        "slot": slot,
        "quote": quote,
        "below_minimum": not quote.meets_minimum,
        "basket_link": basket_url(hub),
        "slot_fields": ("slot", "pickup_point", "postal_code", "address_line1", "city"),
    }


def _buyer_initial(request: HttpRequest, hub: Hub) -> dict:
    buyer = _state(request, hub).get("buyer")
    if not isinstance(buyer, dict):
        return {}
    initial = {name: buyer.get(name) for name in ("country", "company_name", "company_country", "company_siret")}
    initial.update(
        vat_number=buyer.get("company_vat_number"),
        company_address=buyer.get("company_address"),
        is_company=bool(buyer.get("company_name")),
    )
    return initial


def _buyer_details(state: dict) -> dict:
    """The step-1 buyer part as CheckoutDetails fields (empty for older sessions)."""
    buyer = state.get("buyer")
    if not isinstance(buyer, dict):
        return {}
    fields = ("country", "company_name", "company_country", "company_vat_number", "company_siret", "company_address")
    values = {name: buyer.get(name) for name in fields if isinstance(buyer.get(name), str)}
    values["vat_check"] = vat_check_loaded(buyer.get("vat_check"))
    return values


def _buyer_tax(request: HttpRequest, hub: Hub, details: dict):
    """How VAT applies to the recap: the same decision the order will take."""
    state = _state(request, hub)
    values = _buyer_details(state)
    check = values.pop("vat_check", None)
    probe = CheckoutDetails(
        fulfilment=details["fulfilment"],
        slot_id=details["slot_id"],
        email="",
        first_name="",
        last_name="",
        phone="",
        accepted_terms=False,
        **values,
    )
    return checkout_buyer_tax(hub=hub, details=probe, check=check)


def _coordinates(details: dict) -> tuple[float | None, float | None]:
    """Return the coordinates step 1 found for the delivery address, or (None, None)."""
    latitude, longitude = details.get("latitude"), details.get("longitude")
    if isinstance(latitude, int | float) and isinstance(longitude, int | float):
        return float(latitude), float(longitude)
    return None, None


def _details(state: dict) -> CheckoutDetails:
    d = state["details"]
    latitude, longitude = _coordinates(d)
    return CheckoutDetails(
        fulfilment=d["fulfilment"],
        slot_id=d["slot_id"],
        email=d["email"],
        first_name=d["first_name"],
        last_name=d["last_name"],
        phone=d["phone"],
        accepted_terms=False,
        postal_code=d.get("postal_code", ""),
        address_line1=d.get("address_line1", ""),
        address_line2=d.get("address_line2", ""),
        city=d.get("city", ""),
        delivery_notes=d.get("delivery_notes", ""),
        pickup_point_id=d.get("pickup_point_id"),
        latitude=latitude,
        longitude=longitude,
        **_buyer_details(state),
    )


def _valid_state(state: dict) -> bool:
    details = state.get("details")
    return (
        isinstance(details, dict)
        and all(isinstance(details.get(name), str) for name in STORED_FIELDS)
        and isinstance(details.get("slot_id"), int)
    )


def _new_token(request: HttpRequest, hub: Hub, state: dict) -> str:
    state["token"] = str(uuid.uuid4())
    _save_state(request, hub, state)
    return state["token"]


@never_cache
@require_http_methods(["GET", "POST"])
@hub_view
def review(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    """Step 2: the full recap, the terms and the order button."""
    state = _state(request, hub)
    if not _valid_state(state):
        return redirect("checkout:start", hub_slug=hub.slug)
    if request.method == "POST":
        return _place(request, hub, state)
    now = clock.now()
    try:
        context = _review_context(request, hub, state["details"], now=now)
    except PanierError as exc:
        messages.error(request, exc.message)
        return redirect("checkout:start", hub_slug=hub.slug)
    if context["basket"].is_empty:
        messages.info(request, _("Your basket is empty."))
        return redirect(basket_url(hub))
    context["token"] = state.get("token") or _new_token(request, hub, state)
    context["form"] = ReviewForm()
    # Nothing posted yet: the form reads as for every visitor, and is kept.
    context["pristine"] = True
    return render(request, "checkout/review.html", context)


def _refuse(
    request: HttpRequest, hub: Hub, state: dict, form: ReviewForm, *, status: int, error_field: str | None = None
) -> HttpResponse:
    """Re-render the recap with the form's errors and the current page token."""
    try:
        context = _review_context(request, hub, state["details"], now=clock.now(), strict=False)
    except PanierError as exc:
        messages.error(request, exc.message)
        return redirect("checkout:start", hub_slug=hub.slug)
    if context["basket"].is_empty:
        messages.info(request, _("Your basket is empty."))
        return redirect(basket_url(hub))
    context["form"] = form
    context["token"] = state.get("token") or _new_token(request, hub, state)
    context["error_field"] = error_field
    return render(request, "checkout/review.html", context, status=status)


def _place(request: HttpRequest, hub: Hub, state: dict) -> HttpResponse:
    form = ReviewForm(request.POST)
    if not form.is_valid():
        form.add_error(None, _("This page is out of date. Please check your order and confirm again."))
        _new_token(request, hub, state)
        return _refuse(request, hub, state, form, status=400)
    token = form.cleaned_data["checkout_token"]
    # The current recap's token, or the one of the recap just placed (a
    # second click, or the page sent again: the same order comes back).
    if str(token) not in (state.get("token"), state.get("placed")):
        form.add_error(None, _("This page is out of date. Please check your order and confirm again."))
        _new_token(request, hub, state)
        return _refuse(request, hub, state, form, status=409)
    details = _details(state)
    details = CheckoutDetails(
        **{
            **details.__dict__,
            "accepted_terms": form.cleaned_data["accepted_terms"],
            "allow_substitutions": form.allow_substitutions(),
        }
    )
    # The basket with its lines in one query, handed to the placement.
    basket = request_basket(request, hub)
    try:
        order = checkout_complete(
            hub=hub,
            cart=basket.cart,
            basket=basket,
            details=details,
            checkout_token=token,
            user=request.user,
            language=get_language() or "fr",
            now=clock.now(),
        )
    except CartEmpty as exc:
        messages.info(request, exc.message)
        return redirect(basket_url(hub))
    except PanierError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        return _refuse(request, hub, state, form, status=_status(exc), error_field=exc.field)
    if str(token) == state.get("token"):
        # The token now names this order: the next recap gets a new one.
        state["placed"] = str(token)
        state["token"] = str(uuid.uuid4())
        _save_state(request, hub, state)
    _remember_order(request, order)
    if order.status == OrderStatus.PAID:
        return redirect("checkout:confirmation", hub_slug=hub.slug, number=order.number)
    if order.status != OrderStatus.PENDING_PAYMENT:
        # A stale page of an attempt that already ended: start a new one.
        _new_token(request, hub, state)
        messages.error(request, _("This order attempt has ended. Please check your order and confirm again."))
        return redirect("checkout:review", hub_slug=hub.slug)
    return_url = request.build_absolute_uri(
        reverse("checkout:return", kwargs={"hub_slug": hub.slug, "checkout_token": order.checkout_token})
    )
    payment = checkout_pay(order=order, return_url=return_url)
    return redirect(payment.redirect_url)


@never_cache
@require_GET
@hub_view
def payment_return(request: HttpRequest, *, hub: Hub, checkout_token: uuid.UUID) -> HttpResponse:
    """Back from the payment page: confirm the order, or give the goods back."""
    payment = checkout_return_payment(hub=hub, checkout_token=checkout_token)
    if payment is None:
        raise Http404("unknown payment")
    # A failed guest order's goods go back into the session's basket; it is
    # looked up (or created) only then.
    guest_cart = None if request.user.is_authenticated else partial(request_cart, request, hub, create=True)
    try:
        order = checkout_payment_returned(payment=payment, guest_cart=guest_cart)
    except ProviderError:
        # The provider does not answer: the order waits; reconciliation or
        # its notification settles it.
        order = checkout_order_get(hub=hub, checkout_token=checkout_token)
        logger.warning("payment.return_unanswered", extra={"order_id": order.pk}, exc_info=True)
    if order.status == OrderStatus.PENDING_PAYMENT:
        # Settle it in the background if nobody else does meanwhile.
        run_after = clock.now() + timedelta(minutes=settings.PANIER_RECONCILE_AFTER_MIN)
        transaction.on_commit(payments_reconcile_task.using(run_after=run_after).enqueue)
        return render(
            request, "checkout/payment_pending.html", {"hub": hub, "order": order, "payment": payment}, status=202
        )
    state = _state(request, hub)
    ended = [name for name in ("placed", "token") if state.get(name) == str(checkout_token)]
    if ended:
        # The attempt is over: its recap page can no longer place anything.
        for name in ended:
            state.pop(name)
        _save_state(request, hub, state)
    if order.status == OrderStatus.PAYMENT_FAILED:
        messages.error(
            request,
            _(
                "Your payment was not accepted, so the order was not placed. "
                "Your products are back in your basket: you can try again."
            ),
        )
        return redirect(basket_url(hub))
    if order.status == OrderStatus.CANCELLED:
        messages.error(request, _("This order was cancelled because the payment did not arrive in time."))
        return redirect(basket_url(hub))
    _remember_order(request, order)
    # The thank-you page itself rather than a redirect to it: one round
    # trip less at the end of every order. Loading this address again
    # shows the same page (the payment is applied once). When this request
    # applied the payment, the order holds its lines and new invoices.
    return _confirmation_page(request, hub, number=order.number, key=str(order.access_key), settled=order)


@never_cache
@require_GET
@hub_view
def confirmation(request: HttpRequest, *, hub: Hub, number: str) -> HttpResponse:
    """The thank-you page: order number, recap, slot, invoices; the e-mail is on its way."""
    key = request.GET.get("key") or request.session.get(ORDER_KEYS, {}).get(number)
    return _confirmation_page(request, hub, number=number, key=key)


def _confirmation_page(
    request: HttpRequest, hub: Hub, *, number: str, key: str | None, settled: Order | None = None
) -> HttpResponse:
    """Render the thank-you page of a paid order (it shows no status history).

    ``settled``: the order as the payment's transaction left it, shown as
    it is when it holds its lines and invoices (read again otherwise).
    """
    if settled is not None and prefetched(settled, "lines") and prefetched(settled, "invoices"):
        order, invoices = settled, list(settled.invoices.all())
    else:
        order = order_for_customer(number=number, user=request.user, access_key=key, events=False)
        invoices = None
    if order is None or order.hub_id != hub.pk:
        raise Http404("unknown order")
    if order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAYMENT_FAILED, OrderStatus.CANCELLED):
        # Not confirmed: the order page tells where it stands.
        return redirect(f"{reverse('orders:detail', kwargs={'number': order.number})}?key={order.access_key}")
    if invoices is None:
        invoices = list(invoices_for_order(order=order))
    return render(request, "checkout/confirmation.html", {"hub": hub, "order": order, "invoices": invoices})
