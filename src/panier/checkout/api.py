"""Checkout API: delivery options, quote, placing an order, payment return.

The payment return lives here rather than in ``payments`` because it
confirms the order, which only ``checkout`` may do.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from ninja import Body, Query, Router

from panier.cart.api import cart_or_404
from panier.cart.selectors import cart_get, cart_view
from panier.catalog.api import hub_or_404
from panier.checkout.schemas import (
    CheckoutIn,
    CheckoutOut,
    DeliveryCheckoutIn,
    DeliveryQuoteIn,
    PaymentOut,
    PaymentReturnOut,
    PickupCheckoutIn,
    PickupPointPageOut,
    QuoteIn,
    QuoteOut,
    SlotFilterIn,
    SlotPageOut,
)
from panier.checkout.services import (
    CheckoutDetails,
    checkout_complete,
    checkout_pay,
    checkout_payment_returned,
    checkout_quote_for_buyer,
)
from panier.core import clock
from panier.core.api import PageIn, errors, idempotency_key_header, idempotent, paginate
from panier.core.errors import NotFound
from panier.delivery.errors import PickupPointNotFound
from panier.delivery.selectors import pickup_point_list, slot_list_open, zone_for_address
from panier.orders.models import Order, OrderStatus
from panier.payments.models import Payment

router = Router(tags=["checkout"])

_AnyCheckoutIn = DeliveryCheckoutIn | PickupCheckoutIn


@router.get(
    "/hubs/{hub}/pickup-points",
    response={200: PickupPointPageOut, **errors(404, 422)},
    summary="List the pickup points of a hub",
)
def pickup_point_list_api(request: HttpRequest, hub: str, page: Query[PageIn]):
    return paginate(pickup_point_list(hub=hub_or_404(hub)).order_by("name", "pk"), page)


@router.get(
    "/hubs/{hub}/slots",
    response={200: SlotPageOut, **errors(404, 422)},
    summary="List the delivery or pickup slots still open",
)
def slot_list_api(request: HttpRequest, hub: str, filters: Query[SlotFilterIn], page: Query[PageIn]):
    """Slots that take orders and have room, soonest first."""
    shop = hub_or_404(hub)
    point = None
    if filters.pickup_point is not None:
        point = pickup_point_list(hub=shop).filter(pk=filters.pickup_point).first()
        if point is None:
            raise PickupPointNotFound(field="pickup_point")
    slots = slot_list_open(hub=shop, kind=filters.kind, now=clock.now(), pickup_point=point)
    return paginate(slots, page)


@router.post(
    "/hubs/{hub}/carts/{token}/quote",
    response={200: QuoteOut, **errors(400, 404, 422)},
    summary="Price a basket: goods, delivery fee, VAT per rate",
)
def checkout_quote_api(request: HttpRequest, hub: str, token: str, payload: Body[QuoteIn]):
    """Home delivery needs a postal code the hub serves (422 `postal_code_not_served`)."""
    shop = hub_or_404(hub)
    cart = cart_or_404(shop, token)
    zone = None
    delivery = isinstance(payload, DeliveryQuoteIn)
    if delivery:
        located = payload.latitude is not None and payload.longitude is not None
        zone = zone_for_address(
            hub=shop,
            postal_code=payload.postal_code,
            latitude=payload.latitude if located else None,
            longitude=payload.longitude if located else None,
        )
    details = CheckoutDetails(
        fulfilment=payload.fulfilment, slot_id=0, email="", first_name="", last_name="", phone="",
        accepted_terms=False,
        postal_code=payload.postal_code if delivery else "",
        **_company_details(payload, payload if delivery else None),
    )
    quote, buyer = checkout_quote_for_buyer(
        hub=shop, view=cart_view(cart=cart), zone=zone, details=details, now=clock.now()
    )
    return QuoteOut.of(quote, buyer)


def _company_details(payload, address) -> dict:
    """The delivery country and company part of a checkout or quote request, as CheckoutDetails fields.

    ``address`` is whatever carries the delivery country: the order's
    address, or the delivery quote itself; None for a pickup.
    """
    fields = {"country": (address.country or "").upper() if address else ""}
    company = payload.company
    if company is not None:
        fields.update(
            company_name=company.name,
            company_country=company.country.upper(),
            company_vat_number=company.vat_number,
            company_siret=company.siret,
            company_address=company.billing_address,
        )
    return fields


def _return_url(request: HttpRequest, order: Order, payload: _AnyCheckoutIn) -> str:
    if payload.return_url:
        return payload.return_url
    try:
        path = reverse("orders:detail", kwargs={"number": order.number}) + f"?key={order.access_key}"
    except NoReverseMatch:
        path = reverse("catalog:hub_home", kwargs={"hub_slug": order.hub.slug})
    return request.build_absolute_uri(path)


def _checkout_out(request: HttpRequest, order: Order, payment: Payment | None) -> CheckoutOut:
    return CheckoutOut(
        number=order.number,
        access_key=order.access_key,
        status=order.status,
        total_cents=order.total_cents,
        currency=order.currency,
        vat_treatment=order.vat_treatment,
        payment_due_by=order.payment_due_by,
        payment=(
            PaymentOut(
                public_id=payment.public_id,
                status=payment.status,
                redirect_url=request.build_absolute_uri(payment.redirect_url),
            )
            if payment is not None and payment.redirect_url
            else None
        ),
    )


@router.post(
    "/hubs/{hub}/checkout",
    response={201: CheckoutOut, **errors(400, 404, 409, 422, 502)},
    summary="Place an order and open its payment",
)
def checkout_complete_api(
    request: HttpRequest,
    hub: str,
    payload: Body[CheckoutIn],
    idempotency_key: str | None = idempotency_key_header(),
):
    """Reserve the goods and the slot, create the order and open its payment.

    Send the customer to `payment.redirect_url`; when they come back, call
    `POST /api/v1/payments/{public_id}/return`. Placing the same
    `checkout_token` again returns the same order.
    """
    shop = hub_or_404(hub)

    def run() -> tuple[int, CheckoutOut]:
        address = payload.address if isinstance(payload, DeliveryCheckoutIn) else None
        details = CheckoutDetails(
            fulfilment=payload.fulfilment,
            slot_id=payload.slot_id,
            email=payload.contact.email,
            first_name=payload.contact.first_name,
            last_name=payload.contact.last_name,
            phone=payload.contact.phone,
            accepted_terms=payload.accepted_terms,
            postal_code=address.postal_code if address else "",
            address_line1=address.line1 if address else "",
            address_line2=address.line2 if address else "",
            city=address.city if address else "",
            delivery_notes=address.notes if address else "",
            pickup_point_id=None if isinstance(payload, DeliveryCheckoutIn) else payload.pickup_point_id,
            allow_substitutions=payload.allow_substitutions,
            latitude=address.latitude if address and address.longitude is not None else None,
            longitude=address.longitude if address and address.latitude is not None else None,
            **_company_details(payload, address),
        )
        order = checkout_complete(
            hub=shop,
            cart=cart_get(hub=shop, token=payload.cart_token),
            details=details,
            checkout_token=payload.checkout_token,
            language=get_language() or "fr",
        )
        if order.hub_id != shop.pk:
            raise NotFound()
        order.hub = shop
        if order.status == OrderStatus.PENDING_PAYMENT:
            payment = checkout_pay(order=order, return_url=_return_url(request, order, payload))
        else:
            payment = Payment.objects.filter(reference=order.number).first()
        return 201, _checkout_out(request, order, payment)

    return idempotent(request, scope="checkout_complete", key=idempotency_key, run=run)


@router.post(
    "/payments/{public_id}/return",
    response={200: PaymentReturnOut, **errors(404, 502)},
    summary="Apply the payment provider's answer to the order",
)
def checkout_payment_returned_api(request: HttpRequest, public_id: str):
    """Call it when the customer comes back from the payment page.

    The answer is read from the provider, never from the request: the
    order becomes `paid`, or `payment_failed` (stock and slot released).
    Calling it again changes nothing more.
    """
    try:
        payment_id = uuid.UUID(public_id[:64])
    except ValueError:
        raise NotFound() from None
    order = checkout_payment_returned(payment_public_id=payment_id)
    payment = Payment.objects.get(public_id=payment_id)
    return PaymentReturnOut(number=order.number, status=order.status, payment_status=payment.status)
