"""Test data builders, shared by every test module."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from panier.accounts.models import User
from panier.catalog.models import Category, Product, Variant
from panier.delivery.models import PickupPoint, Slot, SlotKind, Zone
from panier.hubs.models import Hub, HubStaff, SellingMode
from panier.inventory.models import Stock
from panier.producers.models import Producer, ProducerStaff

_seq = itertools.count(1)


def hub(**kw) -> Hub:
    n = next(_seq)
    defaults = dict(
        slug=f"hub{n}",
        name=f"Hub {n}",
        legal_name=f"Hub {n} SAS",
        legal_form="SAS",
        siret="73282932000074",
        vat_number="FR40303265045",
        address="1 rue de la République",
        postal_code="06000",
        city="Nice",
        email=f"hub{n}@example.org",
        phone="+33493000000",
        publication_director="Claire Martin",
        selling_mode=SellingMode.RESELLER,
    )
    defaults.update(kw)
    return Hub.objects.create(**defaults)


def producer(hub: Hub, **kw) -> Producer:
    n = next(_seq)
    defaults = dict(hub=hub, slug=f"producer{n}", name=f"Producer {n}", legal_name=f"Producer {n} EARL", city="Grasse")
    defaults.update(kw)
    return Producer.objects.create(**defaults)


def category(hub: Hub, **kw) -> Category:
    n = next(_seq)
    defaults = dict(hub=hub, slug=f"cat{n}", name=f"Catégorie {n}", name_en=f"Category {n}")
    defaults.update(kw)
    return Category.objects.create(**defaults)


def product(producer: Producer, category: Category, *, price_cents=500, stock=10, **kw) -> Product:
    n = next(_seq)
    defaults = dict(
        hub=producer.hub,
        producer=producer,
        category=category,
        slug=f"product-{n}",
        name=f"Produit {n}",
        name_en=f"Product {n}",
    )
    defaults.update(kw)
    p = Product.objects.create(**defaults)
    v = Variant.objects.create(product=p, sku=f"SKU{n}", label="500 g", price_cents=price_cents, net_quantity=500)
    Stock.objects.create(variant=v, remaining=stock)
    return p


def slot(hub: Hub, *, kind=SlotKind.DELIVERY, pickup_point=None, capacity=10, days=3, cutoff_hours=24) -> Slot:
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return Slot.objects.create(
        hub=hub,
        kind=kind,
        pickup_point=pickup_point,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        cutoff_at=start - timedelta(hours=cutoff_hours),
        capacity=capacity,
    )


def user(email=None, password="correct horse battery", **kw) -> User:
    email = email or f"user{next(_seq)}@example.org"
    kw.setdefault("email_verified_at", timezone.now())
    return User.objects.create_user(email=email, password=password, **kw)


def totp_device(user: User):
    """A confirmed authenticator for ``user``."""
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device, *, at=None) -> str:
    """The code ``device``'s app shows now (or at the Unix time ``at``)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def login_staff(client, user):
    """Log ``user`` in with a verified second factor, as the two-factor page would.

    Creates a confirmed authenticator when the user has none. Back-office
    pages refuse staff sessions without this step.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    save_session(client, session)
    return device


def save_session(client, session) -> None:
    """Save a session changed through ``client.session`` and give the client its cookie.

    A visitor's session is the signed cookie itself (panier.core.sessions.guest_cookie),
    so saving it changes the cookie's value; a server-side session keeps its key.
    """
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


@dataclass
class Shop:
    hub: Hub
    producers: list[Producer]
    products: list[Product]
    zone: Zone
    pickup_point: PickupPoint
    delivery_slot: Slot
    pickup_slot: Slot
    operator: User
    producer_user: User
    extra: dict = field(default_factory=dict)

    def variant(self, i: int = 0) -> Variant:
        return self.products[i].variants.get()


def make_shop(**hub_kw) -> Shop:
    h = hub(**hub_kw)
    p1 = producer(h, name="Fromagerie du Col")
    p2 = producer(h, name="Miellerie des Baous")
    c = category(h)
    products = [
        product(p1, c, price_cents=650, stock=10, name="Tomme de chèvre"),
        product(p2, c, price_cents=1055, stock=5, name="Miel de lavande"),
        product(p2, c, price_cents=2400, stock=3, name="Vin rouge", tax_category="alcohol", is_food=True),
    ]
    z = Zone.objects.create(hub=h, name="Nice centre", postal_codes="06000 06100", fee_cents=690, free_above_cents=6000)
    pp = PickupPoint.objects.create(hub=h, name="Épicerie du port", address="2 quai Lunel", postal_code="06300", city="Nice")
    ds = slot(h)
    ps = slot(h, kind=SlotKind.PICKUP, pickup_point=pp)
    op = user(is_staff=True)
    HubStaff.objects.create(hub=h, user=op)
    pu = user()
    ProducerStaff.objects.create(producer=p1, user=pu)
    return Shop(h, [p1, p2], products, z, pp, ds, ps, op, pu)


def placed_order(shop: Shop, items, *, user=None, paid=True, pickup=False, slot=None, first_name="Alice", **details):
    """Place an order through the checkout services; ``items`` are (product index, quantity).

    The order is marked paid unless ``paid`` is false.
    """
    import uuid

    from panier.cart.services import cart_add, cart_create
    from panier.checkout.services import CheckoutDetails, checkout_complete
    from panier.orders.services import order_transition

    cart = cart_create(hub=shop.hub)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    base = dict(
        fulfilment="pickup" if pickup else "delivery",
        slot_id=(slot or (shop.pickup_slot if pickup else shop.delivery_slot)).pk,
        email="alice@example.org",
        first_name=first_name,
        last_name="Durand",
        phone="06 12 34 56 78",
        accepted_terms=True,
    )
    if pickup:
        base["pickup_point_id"] = shop.pickup_point.pk
    else:
        base.update(postal_code="06000", address_line1="5 rue Rossini", city="Nice")
    base.update(details)
    order = checkout_complete(
        hub=shop.hub, cart=cart, details=CheckoutDetails(**base), checkout_token=uuid.uuid4(), user=user
    )
    if paid:
        order = order_transition(order_id=order.pk, target="paid")
    return order


def order_paid_by_card(shop: Shop, items, **kwargs):
    """Place an order and pay it through the sandbox provider, as a customer would.

    Unlike ``placed_order(paid=True)``, the payment is real (sandbox): the
    order is confirmed by the payment return, which also issues its invoice.
    """
    from panier.checkout.services import checkout_pay, checkout_payment_returned
    from panier.payments.adapters.sandbox import sandbox_pay

    order = placed_order(shop, items, paid=False, **kwargs)
    payment = checkout_pay(order=order, return_url="/return")
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    return checkout_payment_returned(payment_public_id=payment.public_id)


# Packing and rounds -----------------------------------------------------------


def weighed_product(shop: Shop, *, price_per_kg_cents=2000, estimated_weight_g=300, stock=20) -> Product:
    """A product sold by weight (price per kg), appended to ``shop.products``."""
    p = product(shop.producers[0], shop.products[0].category, price_cents=price_per_kg_cents, stock=stock,
                name="Saucisson", sold_by_weight=True)
    Variant.objects.filter(product=p).update(estimated_weight_g=estimated_weight_g, label="~300 g")
    shop.products.append(p)
    return p


def vehicle(hub: Hub, **kw):
    from datetime import time

    from panier.rounds.models import Vehicle

    n = next(_seq)
    defaults = dict(hub=hub, name=f"Van {n}", capacity_kg=500, capacity_crates=60,
                    shift_start=time(7, 0), shift_end=time(21, 0))
    defaults.update(kw)
    return Vehicle.objects.create(**defaults)


def day_slot(hub: Hub, day, start_hour: int, end_hour: int, *, capacity=50) -> Slot:
    """A delivery slot on ``day`` from ``start_hour`` to ``end_hour``, hub time."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(hub.timezone)
    start = datetime.combine(day, time(start_hour), tzinfo=tz)
    end = datetime.combine(day, time(end_hour), tzinfo=tz)
    return Slot.objects.create(hub=hub, kind=SlotKind.DELIVERY, starts_at=start, ends_at=end,
                               cutoff_at=start - timedelta(days=1), capacity=capacity)


def located_order(shop: Shop, slot: Slot, lat, lon, *, items=((0, 1),), **details):
    """A paid delivery order in ``slot`` with its address's coordinates set."""
    order = placed_order(shop, items, slot=slot, **details)
    order.latitude, order.longitude = lat, lon
    order.save(update_fields=["latitude", "longitude"])
    return order
