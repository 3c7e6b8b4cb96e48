"""Placing an order: basket -> stock -> slot -> order -> payment.

``checkout_complete`` runs in one short durable transaction that reserves
stock (conditional updates in variant order) and books the slot, then the
payment is opened with no transaction open. Placing the same checkout
token twice returns the same order.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from panier.cart.errors import CartEmpty
from panier.cart.models import Cart, CartLine
from panier.cart.selectors import CartView, cart_view
from panier.cart.services import cart_clear, cart_create
from panier.checkout import taxation
from panier.checkout.errors import (
    BasketChanged,
    BelowMinimumOrder,
    InvalidCompany,
    InvalidContact,
    InvalidFulfilment,
    TermsNotAccepted,
)
from panier.checkout.followup import order_confirmation_send, order_paid_followup_queue
from panier.core import clock
from panier.core.errors import PanierError
from panier.core.sqlcache import KeptQuery
from panier.delivery import rules as delivery_rules
from panier.delivery.adapters.geocoding import Geocoder, geocoder_get
from panier.delivery.errors import AddressNotFound, GeocoderUnavailable, PickupPointNotFound
from panier.delivery.models import PickupPoint, SlotKind, Zone
from panier.delivery.selectors import zone_for_address, zone_needs_coordinates
from panier.delivery.services import slot_book
from panier.hubs.models import Hub, SellingMode, VatRegime
from panier.inventory.services import stock_reserve
from panier.invoicing.services import invoice_issue_for_order
from panier.orders.models import (
    Fulfilment,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    SellerOfRecord,
)
from panier.orders.services import order_number_new, order_transition
from panier.payments import rules as payment_rules
from panier.payments.adapters.base import Exemption, ProviderError
from panier.payments.adapters.registry import provider_get
from panier.payments.models import Payment, PaymentStatus
from panier.payments.services import (
    payment_apply,
    payment_open,
    payment_refund,
    payment_status_fetch,
    payment_void,
)
from panier.tax import rules as tax_rules
from panier.tax.vat_numbers import (
    EU_PREFIXES,
    InvalidVatNumber,
    Treatment,
    VatNumberCheck,
    VatTreatment,
    ViesStatus,
    sale_treatment,
    vat_number_check_configured,
    vat_number_clean,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutDetails:
    """What the customer entered at checkout."""

    fulfilment: str
    slot_id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    accepted_terms: bool
    postal_code: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    delivery_notes: str = ""
    pickup_point_id: int | None = None
    #: The customer accepts a similar product when an item is missing
    #: (default: the missing item is refunded).
    allow_substitutions: bool = False
    #: Coordinates of the delivery address, when known: they match polygon
    #: and radius zones and place the stop on the rounds map.
    latitude: float | None = None
    longitude: float | None = None
    #: Country of the delivery address (default: the hub's).
    country: str = ""
    #: A customer buying for a company: its name, billing country, EU VAT
    #: number, SIREN/SIRET (French companies) and billing address.
    company_name: str = ""
    company_country: str = ""
    company_vat_number: str = ""
    company_siret: str = ""
    company_address: str = ""
    #: The VIES check made before the recap, so the order is taxed as shown.
    vat_check: VatNumberCheck | None = None


@dataclass(frozen=True)
class Quote:
    """The amounts of a basket for a way of fulfilment."""

    goods_cents: int
    delivery_fee_cents: int
    breakdown: tax_rules.Breakdown
    zone: Zone | None
    min_order_cents: int
    #: The basket's VAT-inclusive goods when they are sold net of VAT (an
    #: exempt intra-EU supply): the minimum order applies to it.
    gross_goods_cents: int | None = None

    @property
    def total_cents(self) -> int:
        return self.goods_cents + self.delivery_fee_cents

    @property
    def meets_minimum(self) -> bool:
        basis = self.goods_cents if self.gross_goods_cents is None else self.gross_goods_cents
        return basis >= self.min_order_cents


def _seller(hub: Hub, producer) -> tuple[str, str, str]:
    """Return (seller of record, seller name, VAT regime) for a line."""
    if hub.selling_mode == SellingMode.MARKETPLACE:
        return SellerOfRecord.PRODUCER, producer.legal_name or producer.name, producer.vat_regime
    return SellerOfRecord.HUB, hub.legal_name, hub.vat_regime


def _line_rate(hub: Hub, line, placement: taxation.Placement | None = None) -> int:
    return taxation.line_tax(hub, line, placement).rate_bp


def _fee_cents(zone: Zone | None, goods_cents: int) -> int:
    if zone is None:
        return 0
    return delivery_rules.delivery_fee_cents(
        fee_cents=zone.fee_cents, free_above_cents=zone.free_above_cents, goods_cents=goods_cents
    )


def checkout_quote(
    *,
    hub: Hub,
    view: CartView,
    zone: Zone | None,
    exempt: bool = False,
    placement: taxation.Placement | None = None,
) -> Quote:
    """Price a basket: goods, delivery fee (zone-based, free above a threshold), VAT.

    ``exempt``: an intra-EU supply to a business (reverse charge), priced
    net of the VAT the same goods carry for a consumer. ``placement``:
    where each seller's part is taxed (:func:`checkout_placement`); the
    VAT-inclusive amounts do not change with it, only the VAT inside them.
    """
    goods = view.goods_cents
    fee = _fee_cents(zone, goods)
    if exempt:
        return _exempt_quote(hub=hub, view=view, zone=zone, fee_cents=fee)
    lines = [
        tax_rules.TaxLine(gross_cents=line.line_total_cents, rate_bp=_line_rate(hub, line, placement))
        for line in view.lines
    ]
    return Quote(
        goods_cents=goods,
        delivery_fee_cents=fee,
        breakdown=tax_rules.vat_breakdown(lines, fee_cents=fee),
        zone=zone,
        min_order_cents=hub.min_order_cents,
    )


def _exempt_quote(*, hub: Hub, view: CartView, zone: Zone | None, fee_cents: int) -> Quote:
    """Price a basket without VAT: each line and the fee lose the VAT of their rate."""
    gross_by_rate: dict[int, int] = {}
    net_lines = []
    for line in view.lines:
        rate = _line_rate(hub, line)
        gross_by_rate[rate] = gross_by_rate.get(rate, 0) + line.line_total_cents
        net_lines.append(tax_rules.TaxLine(gross_cents=tax_rules.net_of_vat(line.line_total_cents, rate), rate_bp=0))
    goods_net_by_rate = {rate: tax_rules.net_of_vat(gross, rate) for rate, gross in gross_by_rate.items()}
    fee_net = tax_rules.fee_net_of_vat(fee_cents, goods_net_by_rate)
    return Quote(
        goods_cents=sum(line.gross_cents for line in net_lines),
        delivery_fee_cents=fee_net,
        breakdown=_zero_rate_breakdown(net_lines, fee_net),
        zone=zone,
        min_order_cents=hub.min_order_cents,
        gross_goods_cents=view.goods_cents,
    )


def _zero_rate_breakdown(lines: list[tax_rules.TaxLine], fee_cents: int) -> tax_rules.Breakdown:
    goods = sum(line.gross_cents for line in lines)
    total = goods + fee_cents
    rate = tax_rules.RateTotal(rate_bp=0, gross_cents=total, net_cents=total, vat_cents=0)
    return tax_rules.Breakdown(rates=(rate,), fee_by_rate=((0, fee_cents),) if fee_cents else ())


VIES_REFUSED = _("The EU VIES service says this VAT number is not registered. Please check it.")


@dataclass(frozen=True)
class BuyerTax:
    """Where the customer is and how VAT applies to the order."""

    treatment: Treatment
    customer_country: str
    address_country: str
    check: VatNumberCheck | None

    @property
    def exempt(self) -> bool:
        return self.treatment.kind == VatTreatment.INTRA_EU_EXEMPT


def checkout_company_clean(*, name: str, country: str, vat_number: str, siret: str) -> dict[str, str]:
    """Validate the company part of the checkout; return its cleaned fields.

    Raises InvalidCompany or InvalidVatNumber (malformed number, wrong
    checksum, or a number of another country than the company's).
    Returns empty strings when the customer does not buy for a company.
    """
    raw_siret = siret
    name = name.strip()
    number = vat_number.strip()
    siret = "".join(ch for ch in raw_siret if ch.isdigit())
    if not (name or number or siret):
        return {"company_name": "", "company_country": "", "company_vat_number": "", "company_siret": ""}
    if not name or len(name) > 200:
        raise InvalidCompany(_("Please enter the company's name."), field="company_name")
    country = (country or "").strip().upper()
    country = "GR" if country == "EL" else country
    if _vat_prefix(country) not in EU_PREFIXES:
        raise InvalidCompany(_("Please choose the company's country in the European Union."), field="company_country")
    if number:
        number = vat_number_clean(number)
        if number[:2] != _vat_prefix(country):
            raise InvalidVatNumber(
                _("This VAT number is not from the company's country."), field="vat_number", reason="country"
            )
    checker = stdnum_siren if len(siret) == 9 else stdnum_siret
    if raw_siret.strip() and (country != "FR" or not checker.is_valid(siret)):
        raise InvalidCompany(_("This SIREN or SIRET number is not valid."), field="company_siret")
    return {"company_name": name, "company_country": country, "company_vat_number": number, "company_siret": siret}


def _vat_prefix(country: str) -> str:
    return "EL" if country == "GR" else country


def checkout_vat_number_check(*, hub: Hub, number: str, now: datetime) -> VatNumberCheck:
    """Ask VIES about a company's VAT number (``PANIER_VIES_URL``).

    A network call with a short timeout: call it with no transaction open.
    When VIES is not configured or cannot be reached, the result says so
    and VAT is charged; the number is still printed on the invoice.
    """
    return vat_number_check_configured(number, now=now, requester=hub.vat_number)


def checkout_buyer_tax(*, hub: Hub, details: CheckoutDetails, check: VatNumberCheck | None) -> BuyerTax:
    """Decide the customer's country and the order's VAT treatment (CGI art. 262 ter I).

    The customer's country is the billing country of a company that gave
    a VAT number, else the delivery address's country, else (pickup) the
    hub's. The intra-EU
    exemption needs a number of another member state confirmed by VIES
    and goods delivered to that state; pickup at the hub is domestic.
    """
    delivery = details.fulfilment == Fulfilment.DELIVERY
    address_country = (details.country.strip().upper() or hub.country) if delivery else ""
    customer_country = address_country or hub.country
    company = bool(details.company_name.strip())
    if company and details.company_country and details.company_vat_number.strip():
        # A business customer is where it is registered for VAT; a company
        # without a VAT number buys like a consumer, where the goods go.
        customer_country = details.company_country.strip().upper()
    if not company or not details.company_vat_number.strip() or (check and check.number != details.company_vat_number):
        check = None
    treatment = sale_treatment(
        seller_country=hub.country,
        seller_charges_vat=hub.vat_regime != VatRegime.FRANCHISE,
        customer_country=customer_country,
        buyer_check=check,
        shipped_to_customer_country=delivery and address_country == customer_country,
    )
    return BuyerTax(treatment=treatment, customer_country=customer_country, address_country=address_country, check=check)


def checkout_placement(
    *, hub: Hub, view: CartView, zone: Zone | None, buyer: BuyerTax, now: datetime
) -> taxation.Placement | None:
    """Where the basket's VAT is due for this buyer: origin or destination, per seller (art. 59c)."""
    return taxation.taxation_decide(
        hub=hub,
        lines=view.lines,
        fee_cents=_fee_cents(zone, view.goods_cents),
        customer_country=buyer.customer_country,
        delivered=bool(buyer.address_country),
        to_business=buyer.check is not None,
        charges_vat=buyer.treatment.kind == VatTreatment.CHARGE,
        on=now.astimezone(ZoneInfo(hub.timezone)).date(),
    )


def _buyer_prepare(*, hub: Hub, details: CheckoutDetails, now: datetime) -> tuple[CheckoutDetails, BuyerTax]:
    """Clean the company part and check its VAT number; before any transaction."""
    country = details.country.strip().upper()
    if country and _vat_prefix(country) not in EU_PREFIXES:
        raise InvalidContact(_("Please choose a country of the European Union."), field="country")
    company = checkout_company_clean(
        name=details.company_name,
        country=details.company_country,
        vat_number=details.company_vat_number,
        siret=details.company_siret,
    )
    details = CheckoutDetails(**{**details.__dict__, **company})
    check = details.vat_check
    if company["company_vat_number"] and (check is None or check.number != company["company_vat_number"]):
        check = checkout_vat_number_check(hub=hub, number=company["company_vat_number"], now=now)
    if check is not None and check.vies_status == ViesStatus.INVALID:
        raise InvalidVatNumber(VIES_REFUSED, field="vat_number", reason="vies_invalid")
    return details, checkout_buyer_tax(hub=hub, details=details, check=check)


def checkout_quote_for_buyer(
    *, hub: Hub, view: CartView, zone: Zone | None, details: CheckoutDetails, now: datetime
) -> tuple[Quote, BuyerTax]:
    """Price a basket for this buyer: delivery country, company and VAT number as the order would take them.

    The same decisions as ``checkout_complete`` (reverse charge for a
    confirmed VAT number of another member state, destination VAT past
    a seller's threshold), without reserving anything. Checks the VAT
    number with VIES when configured: call it with no transaction open.
    Raises InvalidContact, InvalidCompany or InvalidVatNumber.
    """
    details, buyer = _buyer_prepare(hub=hub, details=details, now=now)
    placement = checkout_placement(hub=hub, view=view, zone=zone, buyer=buyer, now=now)
    return checkout_quote(hub=hub, view=view, zone=zone, exempt=buyer.exempt, placement=placement), buyer


def _buyer_order_fields(details: CheckoutDetails, buyer: BuyerTax) -> dict:
    check = buyer.check
    return {
        "customer_country": buyer.customer_country,
        "address_country": buyer.address_country,
        "company_name": details.company_name[:200],
        "company_vat_number": details.company_vat_number,
        "company_siret": details.company_siret,
        "company_address": details.company_address.strip()[:300] if details.company_name else "",
        "vat_treatment": buyer.treatment.kind.value,
        "vies_status": check.vies_status.value if check else "",
        "vies_checked_at": check.checked_at if check else None,
        "vies_consultation_number": check.consultation_number[:100] if check else "",
    }


def _line_amounts(hub: Hub, line, exempt: bool, placement: taxation.Placement | None = None) -> tuple[int, int, int]:
    """Return (unit price, line total, rate) of an order line; net of VAT when exempt."""
    rate = _line_rate(hub, line, placement)
    if not exempt:
        return line.variant.price_cents, line.line_total_cents, rate
    return (
        tax_rules.net_of_vat(line.variant.price_cents, rate),
        tax_rules.net_of_vat(line.line_total_cents, rate),
        0,
    )


def phone_number_parse(raw: str, regions: tuple[str, ...]) -> phonenumbers.PhoneNumber | None:
    """A valid phone number, or None.

    A number written with its country code (+32 …) is read as such; one
    without is tried as a number of each region in turn (ISO codes, e.g.
    the delivery country, then the hub's).
    """
    for region in dict.fromkeys(code.strip().upper() for code in (*regions, "FR") if code.strip()):
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None


def _clean_contact(details: CheckoutDetails, *, regions: tuple[str, ...]) -> tuple[str, str]:
    """Check the contact fields; return the e-mail and the phone number in E.164."""
    email = details.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidContact(_("Please enter a valid e-mail address."), field="email") from None
    for name, value in (("first_name", details.first_name), ("last_name", details.last_name)):
        if not value.strip() or len(value) > 100:
            raise InvalidContact(_("Please enter your name."), field=name)
    number = phone_number_parse(details.phone, regions)
    if number is None:
        raise InvalidContact(_("Please enter a valid phone number."), field="phone")
    return email, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _coordinate(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.000001"))


def checkout_address_locate(
    *, hub: Hub, address_line1: str, postal_code: str, city: str, geocoder: Geocoder | None = None
) -> delivery_rules.Point | None:
    """Return the coordinates of a delivery address when the hub's zones need them, else None.

    Only hubs with a polygon or radius zone ask the address service, with
    the short ``PANIER_CHECKOUT_GEOCODE_TIMEOUT_S``. It is a network call:
    call it with no transaction open, before placing the order. When the
    service is not configured, cannot be reached or finds no match, the
    address is matched by its postal code alone (the reason is logged).
    """
    if not address_line1.strip() or not zone_needs_coordinates(hub=hub):
        return None
    geocoder = geocoder or geocoder_get(timeout_s=settings.PANIER_CHECKOUT_GEOCODE_TIMEOUT_S)
    try:
        return geocoder.locate(address=address_line1.strip(), postal_code=postal_code.strip(), city=city.strip())
    except (GeocoderUnavailable, AddressNotFound) as exc:
        logger.info(
            "Checkout at hub %s: address not located (%s, geocoder %s); matching by postal code",
            hub.slug,
            exc.code,
            geocoder.name,
        )
        return None


def _place(details: CheckoutDetails, hub: Hub):
    """Validate where the order goes; return (zone, pickup point, slot kind)."""
    if details.fulfilment == Fulfilment.DELIVERY:
        if not details.address_line1.strip() or len(details.address_line1) > 200:
            raise InvalidContact(_("Please enter your street address."), field="address_line1")
        if not details.city.strip() or len(details.city) > 100:
            raise InvalidContact(_("Please enter your city."), field="city")
        zone = zone_for_address(
            hub=hub, postal_code=details.postal_code, latitude=details.latitude, longitude=details.longitude
        )
        return zone, None, SlotKind.DELIVERY
    if details.fulfilment == Fulfilment.PICKUP:
        point = PickupPoint.objects.filter(pk=details.pickup_point_id or 0, hub=hub, is_active=True).first()
        if point is None:
            raise PickupPointNotFound(field="pickup_point")
        return None, point, SlotKind.PICKUP
    raise InvalidFulfilment(field="fulfilment")


def checkout_complete(
    *,
    hub: Hub,
    cart: Cart | None,
    details: CheckoutDetails,
    checkout_token: uuid.UUID,
    user=None,
    language: str = "fr",
    now: datetime | None = None,
    basket: CartView | None = None,
) -> Order:
    """Place an order from a basket; return it (the existing one on a retry).

    Reserves stock and a slot place for ``PANIER_PAYMENT_TIMEOUT_MIN``
    minutes; the order is confirmed when its payment is authorised.
    Raises TermsNotAccepted, CartEmpty, BasketChanged, StockInsufficient,
    BelowMinimumOrder, InvalidContact, PostalCodeNotServed,
    PickupPointNotFound, SlotNotFound, SlotFull or CutoffPassed; nothing is
    changed when it raises.

    ``basket``: the caller has already read ``cart`` with its lines (no
    lock is taken on them, so reading them before the transaction is the
    same as reading them in it).

    A retry with the checkout token of an order already placed gets that
    order: its basket is empty by then (or its insert loses on the
    token's unique key), and any refusal first looks for the token's order.
    The first attempt, by far the most frequent, so costs no lookup.
    """
    now = now or clock.now()
    try:
        if not details.accepted_terms:
            raise TermsNotAccepted(field="accepted_terms")
        delivery_country = details.country if details.fulfilment == Fulfilment.DELIVERY else ""
        email, phone = _clean_contact(details, regions=(delivery_country, hub.country))
        zone, point, slot_kind = _place(details, hub)
        details, buyer = _buyer_prepare(hub=hub, details=details, now=now)
        with transaction.atomic(durable=True):
            if cart is None:
                raise CartEmpty()
            view = basket if basket is not None and basket.cart is not None and basket.cart.pk == cart.pk else None
            view = view or cart_view(cart=cart)
            if view.is_empty:
                raise CartEmpty()
            if any(not line.is_available for line in view.lines):
                raise BasketChanged()
            placement = checkout_placement(hub=hub, view=view, zone=zone, buyer=buyer, now=now)
            if placement is not None and placement.needs_lock:
                taxation.taxation_lock(hub=hub, placement=placement)
                placement = checkout_placement(hub=hub, view=view, zone=zone, buyer=buyer, now=now)
            quote = checkout_quote(hub=hub, view=view, zone=zone, exempt=buyer.exempt, placement=placement)
            if not quote.meets_minimum:
                raise BelowMinimumOrder(minimum_cents=hub.min_order_cents)
            number = order_number_new(hub_slug=hub.slug)
            # The rows every buyer contends for (stock of popular products,
            # then the slot) are claimed last, just before the commit, so
            # their locks are held for as short a time as possible; the
            # order and its lines, written first, lock nothing shared. Any
            # refusal rolls everything back.
            order = Order.objects.create(
                hub=hub,
                number=number,
                checkout_token=checkout_token,
                user=user if user is not None and user.is_authenticated else None,
                email=email,
                first_name=details.first_name.strip(),
                last_name=details.last_name.strip(),
                phone=phone,
                fulfilment=details.fulfilment,
                address_line1=details.address_line1.strip() if zone else "",
                address_line2=details.address_line2.strip() if zone else "",
                postal_code=delivery_rules.normalise_postal_code(details.postal_code) or "" if zone else "",
                city=details.city.strip() if zone else "",
                delivery_notes=details.delivery_notes.strip()[:300] if zone else "",
                zone=zone,
                pickup_point=point,
                slot_id=details.slot_id,
                goods_cents=quote.goods_cents,
                delivery_fee_cents=quote.delivery_fee_cents,
                total_cents=quote.total_cents,
                vat_cents=quote.breakdown.vat_cents,
                vat_breakdown=quote.breakdown.as_list(),
                currency=hub.currency,
                language=language[:8],
                terms_accepted_at=now,
                placed_at=now,
                payment_due_by=now + timedelta(minutes=settings.PANIER_PAYMENT_TIMEOUT_MIN),
                has_weighed_items=any(line.product.sold_by_weight for line in view.lines),
                allow_substitutions=details.allow_substitutions,
                latitude=_coordinate(details.latitude) if zone else None,
                longitude=_coordinate(details.longitude) if zone else None,
                **_buyer_order_fields(details, buyer),
            )
            order_lines = []
            for line in view.lines:
                seller, seller_name, regime = _seller(hub, line.product.producer)
                unit_cents, total_cents, rate = _line_amounts(hub, line, buyer.exempt, placement)
                place = taxation.line_tax(hub, line, placement)
                order_lines.append(
                    OrderLine(
                        order=order,
                        variant=line.variant,
                        producer=line.product.producer,
                        product_name=line.product.name,
                        variant_label=line.variant.label,
                        seller_of_record=seller,
                        seller_name=seller_name,
                        seller_vat_regime=regime,
                        quantity=line.quantity,
                        unit_price_cents=unit_cents,
                        sold_by_weight=line.product.sold_by_weight,
                        estimated_weight_g=line.variant.estimated_weight_g if line.product.sold_by_weight else None,
                        line_total_cents=total_cents,
                        tax_category=line.product.tax_category,
                        tax_rate_bp=rate,
                        tax_place=place.place,
                        tax_country=place.country,
                        has_withdrawal_right=line.product.has_withdrawal_right,
                    )
                )
            OrderLine.objects.bulk_create(order_lines)
            OrderEvent.objects.create(order=order, to_status=order.status, note="order placed", created_at=now)
            cart_clear(cart=cart)
            quantities: dict[int, int] = {}
            for line in view.lines:
                quantities[line.variant.pk] = quantities.get(line.variant.pk, 0) + line.quantity
            stock_reserve(quantities=quantities, reference=number)
            slot = slot_book(slot_id=details.slot_id, hub_id=hub.pk, kind=slot_kind, now=now)
            if point is not None and slot.pickup_point_id != point.pk:
                raise PickupPointNotFound("This slot is not at the chosen pickup point.", field="slot")
            order.slot = slot
    except (IntegrityError, PanierError):
        # Another request with the same checkout token may have placed the
        # order first: its insert wins the unique constraint, and its
        # commit may already have emptied the basket, taken the last units
        # or the last slot place. The retry gets that order, not an error.
        winner = Order.objects.filter(checkout_token=checkout_token).first()
        if winner is None:
            raise
        return winner
    logger.info("order.placed", extra={"order_id": order.pk, "hub_id": hub.pk})
    return order


def _exemption(order: Order, amount_cents: int) -> Exemption:
    """Choose the SCA exemption to request for an order's payment (payments.rules)."""
    previous_cents = previous_count = 0
    if order.user_id:
        # Low-value payments of this customer since its last authenticated one.
        for exemption, amount in (
            Payment.objects.filter(customer_id=order.user_id, status__in=_PAID)
            .order_by("-created_at", "-pk")
            .values_list("exemption", "amount_cents")[:50]
        ):
            if exemption != payment_rules.LOW_VALUE:
                break
            previous_cents += amount
            previous_count += 1
    context = payment_rules.ScaContext(
        amount_cents=amount_cents,
        previous_exempt_cents=previous_cents,
        previous_exempt_count=previous_count,
        request_low_value=settings.PANIER_PAYMENT_REQUEST_LOW_VALUE,
        provider_supports_tra=getattr(provider_get(), "supports_tra", False),
        fraud_rate_ppm=settings.PANIER_PAYMENT_FRAUD_RATE_PPM,
    )
    return Exemption(payment_rules.sca_exemption(context))


def checkout_authorisation_cents(*, order: Order) -> int:
    """The amount to authorise: the total plus PANIER_WEIGHT_MARGIN_PERCENT on goods sold by weight."""
    # Most orders have no goods sold by weight: their lines need no reading.
    weighed = (
        sum(line.line_total_cents for line in order.lines.all() if line.sold_by_weight)
        if order.has_weighed_items
        else 0
    )
    return payment_rules.authorisation_cents(
        total_cents=order.total_cents, weighed_cents=weighed, margin_percent=settings.PANIER_WEIGHT_MARGIN_PERCENT
    )


_ATTEMPTS = KeptQuery("checkout.attempts", lambda p: Payment.objects.filter(reference=p.str("reference")).order_by("pk"))
# With its hub and slot: a paid order's invoices need both.
_ORDER_TO_SETTLE = KeptQuery(
    "checkout.settle_order",
    lambda p: Order.objects.select_for_update(of=("self",))
    .select_related("hub", "slot")
    .filter(number=p.str("number"), hub_id=p.int("hub")),
)


def checkout_pay(*, order: Order, return_url: str, save_method: bool = False) -> Payment:
    """Open (or reopen, on a retry) the payment of an order waiting for it.

    Orders with goods sold by weight authorise a margin above their total;
    the exact amount is captured once packed. ``save_method`` (a logged-in
    customer's consent) keeps the card for later payments.
    """
    attempts = list(_ATTEMPTS(reference=order.number))
    pending = next((p for p in attempts if p.status == PaymentStatus.PENDING), None)
    if pending is not None and pending.provider_ref:
        return pending
    # The attempt number counts finished attempts only, so clicks that
    # arrive together share one key, hence one payment, even when one of
    # them has already created its pending row.
    attempt = sum(1 for p in attempts if p.status != PaymentStatus.PENDING) + 1
    amount = checkout_authorisation_cents(order=order)
    return payment_open(
        hub=order.hub,
        reference=order.number,
        amount_cents=amount,
        idempotency_key=f"{order.number}:authorise:{attempt}",
        return_url=return_url,
        exemption=_exemption(order, amount),
        save_method=save_method and order.user_id is not None,
        customer=order.user,
    )


#: A basket, or a function that returns one when it is needed (so that a
#: payment that succeeds does not look the basket up).
GuestCart = Cart | Callable[[], Cart | None] | None


def _restore_cart(order: Order, cart: GuestCart) -> None:
    """Put a failed order's goods back in the customer's basket."""
    if callable(cart):
        cart = cart()
    if cart is None and order.user_id:
        cart = cart_create(hub=order.hub, user=order.user)
    if cart is None:
        return
    for line in order.lines.all():
        CartLine.objects.update_or_create(cart=cart, variant_id=line.variant_id, defaults={"quantity": line.quantity})


_PAID = (PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED)
_ENDED = (PaymentStatus.FAILED, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED)


def checkout_payment_returned(
    *, payment_public_id: uuid.UUID | None = None, payment: Payment | None = None, guest_cart: GuestCart = None
) -> Order:
    """Apply the provider's answer to the order (after the redirect back).

    Takes the payment, or its public id. See ``checkout_payment_settle``;
    ``guest_cart`` receives a failed guest order's goods.
    """
    if payment is None:
        payment = Payment.objects.get(public_id=payment_public_id)
    order = checkout_payment_settle(payment_id=payment.pk, guest_cart=guest_cart, payment=payment)
    if order is None:
        raise Order.DoesNotExist("no order for this payment")
    return order


def checkout_payment_settle(
    *, payment_id: int, guest_cart: GuestCart = None, payment: Payment | None = None
) -> Order | None:
    """Re-read a payment at its provider and apply it to its order.

    Called by the customer's return, the provider's webhook and
    reconciliation, in any order and any number of times. Authorised (for
    at least the order total): the order is paid, the confirmation e-mail
    leaves and the invoice is issued. Failed or cancelled: the order
    fails, its stock and slot are released and its goods go back into the
    basket. An authorisation that arrives for an order that is no longer
    waiting (expired, cancelled, or paid by another tab) is released, or
    refunded if already captured. Returns None when the payment belongs to
    no order (a subscription charge, for instance).

    The provider is asked with no transaction open; its answer is then
    applied in one transaction that locks the order, then the payment
    (the order of every other writer of both). ``payment`` spares reading
    the row when the caller holds it already (its state is re-read under
    the lock).
    """
    if payment is None or payment.pk != payment_id:
        payment = Payment.objects.get(pk=payment_id)
    answer = payment_status_fetch(payment=payment)
    release = False
    with transaction.atomic():
        order = _ORDER_TO_SETTLE(number=payment.reference, hub=payment.hub_id).first()
        if answer is not None:
            payment = payment_apply(payment_id=payment.pk, answer=answer)
        if order is None:
            return None
        if answer is None:
            payment = Payment.objects.select_for_update().get(pk=payment.pk)
        paid = payment.status in _PAID
        if order.status == OrderStatus.PENDING_PAYMENT and paid:
            if payment.amount_cents < order.total_cents:
                # The provider authorised less than the order costs: never
                # confirm it (a tampered or stale amount).
                logger.warning(
                    "payment.amount_mismatch",
                    extra={"payment_id": payment.pk, "order_id": order.pk, "amount_cents": payment.amount_cents},
                )
                order = order_transition(
                    order_id=order.pk, target=OrderStatus.PAYMENT_FAILED, note="payment amount below the order total"
                )
                _restore_cart(order, guest_cart)
                release = True
            else:
                payment.is_applied = True
                payment.save(update_fields=["is_applied", "updated_at"])
                order = order_transition(
                    order_id=order.pk, target=OrderStatus.PAID, note="payment authorised", locked=order
                )
                # The invoice is numbered in this transaction. Its PDF and
                # the confirmation e-mail are either queued as a task in
                # this same transaction (PANIER_ORDER_FOLLOWUP_DEFERRED) or
                # made after commit in this request; without
                # PANIER_INVOICE_PDF_ON_PAYMENT the PDF waits for `panier
                # invoices render` or the first download.
                deferred = settings.PANIER_ORDER_FOLLOWUP_DEFERRED
                # The order keeps its new invoices and its lines: the
                # thank-you page that follows reads them from it.
                invoice_issue_for_order(
                    order=order,
                    render=settings.PANIER_INVOICE_PDF_ON_PAYMENT and not deferred,
                    locked=True,
                    just_paid=True,
                )
                if deferred:
                    order_paid_followup_queue(order=order)
                else:
                    order_confirmation_send(order=order)
        elif order.status == OrderStatus.PENDING_PAYMENT and payment.status in _ENDED:
            others = Payment.objects.filter(reference=order.number).exclude(pk=payment.pk)
            if not others.filter(status__in=(PaymentStatus.PENDING, *_PAID)).exists():
                order = order_transition(
                    order_id=order.pk, target=OrderStatus.PAYMENT_FAILED, note=f"payment {payment.status}"
                )
                _restore_cart(order, guest_cart)
        elif paid and not payment.is_applied:
            # Paid twice (two tabs), or after the order was cancelled.
            release = True
    if release:
        try:
            checkout_payment_release(payment_id=payment.pk, reason="order no longer waiting for this payment")
        except ProviderError:
            # Left authorised: reconciliation finds it and tries again.
            logger.warning("payment.release_deferred", extra={"payment_id": payment.pk}, exc_info=True)
    return order


def checkout_payment_release(*, payment_id: int, reason: str) -> Payment:
    """Give back an authorisation nobody will use: void it, or refund what was captured."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status == PaymentStatus.AUTHORISED:
        payment = payment_void(payment_id=payment.pk, idempotency_key=f"{payment.pk}:void:1", reason=reason)
    elif payment.status == PaymentStatus.CAPTURED and payment.captured_cents > payment.refunded_cents:
        payment_refund(
            payment_id=payment.pk,
            amount_cents=payment.captured_cents - payment.refunded_cents,
            idempotency_key=f"{payment.pk}:refund:release",
            reason=reason,
        )
        payment.refresh_from_db()
    logger.info("payment.released", extra={"payment_id": payment.pk})
    return payment
