"""Build (and wipe) the demo data.

Catalog, places and slots are written directly: they are the operator's
set-up, which the demo stands in for. Past orders go through the real
basket, checkout, payment and order services, placed with ``now`` set in
the past, so they look exactly like orders customers placed.
"""

from __future__ import annotations

import random
import time as time_module
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import ForeignKey, Model, ProtectedError, QuerySet, RestrictedError
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice

from panier.accounts.models import Address, User
from panier.cart.services import cart_add, cart_create
from panier.catalog.models import Category, Product, ProductImage, Variant
from panier.catalog.rules import line_price_cents
from panier.checkout.services import (
    CheckoutDetails,
    checkout_complete,
    checkout_pay,
    checkout_payment_returned,
)
from panier.core import clock
from panier.delivery import rules as delivery_rules
from panier.delivery.models import (
    Closure,
    PickupPoint,
    Schedule,
    Slot,
    SlotKind,
    SpecialDay,
    Zone,
    ZoneKind,
)
from panier.delivery.services import slots_generate
from panier.demo import data
from panier.demo.data import logistics
from panier.demo.data.hubs import DELIVERY_DAYS, DELIVERY_WINDOWS
from panier.demo.images import product_picture
from panier.hubs.models import Hub, HubRole, HubStaff
from panier.inventory.models import MovementReason, Stock, StockMovement
from panier.invoicing.models import Invoice, InvoiceLine, NumberSequence
from panier.orders.models import Order, OrderEvent, OrderStatus
from panier.orders.services import order_transition
from panier.payments.adapters.sandbox import sandbox_pay
from panier.payments.models import Payment, SandboxIntent
from panier.producers.models import Producer, ProducerStaff
from panier.rounds.models import Vehicle

HUB_SLUGS = tuple(h["slug"] for h in data.HUBS)
CUTOFF_TIME = time(18, 0)
FUTURE_DAYS = 14
PAST_DAYS = 21
SEED = 2026

Say = Callable[[str], None]


@dataclass
class Summary:
    """What the loader created, for the progress output and the tests."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


def demo_exists() -> bool:
    return Hub.objects.filter(slug__in=HUB_SLUGS).exists()


def demo_emails() -> list[str]:
    return [login[1] for login in data.LOGINS] + [c[0] for c in data.CUSTOMERS]


# --- wiping ---------------------------------------------------------------


def _scope(hubs: QuerySet[Hub]) -> dict[type[Model], QuerySet]:
    """Every demo row that other rows may point to, by model."""
    orders = Order.objects.filter(hub__in=hubs)
    products = Product.objects.filter(hub__in=hubs)
    return {
        Hub: hubs,
        Order: orders,
        Producer: Producer.objects.filter(hub__in=hubs),
        Product: products,
        Variant: Variant.objects.filter(product__in=products),
        Category: Category.objects.filter(hub__in=hubs),
        Slot: Slot.objects.filter(hub__in=hubs),
        Zone: Zone.objects.filter(hub__in=hubs),
        PickupPoint: PickupPoint.objects.filter(hub__in=hubs),
    }


def demo_wipe(say: Say) -> int:
    """Delete the demo hubs, everything that hangs off them, and the demo users.

    Rows of any app that point at demo rows are deleted first, in as many
    passes as protected foreign keys need, so the wipe keeps working when
    apps add tables. Returns the number of rows deleted.
    """
    hubs = Hub.objects.filter(slug__in=HUB_SLUGS)
    refs = list(Payment.objects.filter(hub__in=hubs).exclude(provider_ref="").values_list("provider_ref", flat=True))
    files = list(ProductImage.objects.filter(product__hub__in=hubs).values_list("image", flat=True))
    scope = _scope(hubs)
    links = [
        (model, f.name, f.related_model)
        for model in apps.get_models()
        if model.__module__.startswith("panier.") and model is not Hub
        for f in model._meta.get_fields()
        if isinstance(f, ForeignKey) and f.related_model in scope
    ]
    deleted = 0
    with transaction.atomic():
        deleted += SandboxIntent.objects.filter(pk__in=refs).delete()[0]
        # A demo reset is the one place allowed to delete issued invoices
        # (demo hubs only): lines, credit notes, invoices, then their series.
        deleted += InvoiceLine._base_manager.filter(invoice__hub__in=hubs).delete()[0]
        deleted += Invoice._base_manager.filter(hub__in=hubs, credited_invoice__isnull=False).delete()[0]
        deleted += Invoice._base_manager.filter(hub__in=hubs).delete()[0]
        deleted += NumberSequence._base_manager.filter(hub__in=hubs).delete()[0]
        for _ in range(8):
            blocked = False
            for model, name, target in links:
                try:
                    with transaction.atomic():
                        deleted += model._base_manager.filter(**{f"{name}__in": scope[target]}).delete()[0]
                except (ProtectedError, RestrictedError):
                    blocked = True
            if not blocked:
                break
        deleted += hubs.delete()[0]
        deleted += User.objects.filter(email__in=demo_emails()).delete()[0]
    if files:
        storage = ProductImage._meta.get_field("image").storage
        for name in files:
            storage.delete(name)
    say(f"Deleted {deleted} rows of demo data and {len(files)} images.")
    return deleted


# --- building -------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _hubs(summary: Summary) -> dict[str, Hub]:
    hubs = {h["slug"]: Hub.objects.create(**h) for h in data.HUBS}
    summary.add("hubs", len(hubs))
    return hubs


def _users(hubs: dict[str, Hub], summary: Summary) -> dict[str, User]:
    users: dict[str, User] = {}
    operator_email = data.LOGINS[0][1]
    # Hashing is deliberately slow: hash the shared password once.
    password = make_password(data.DEMO_PASSWORD)
    for _, email, first, last in data.LOGINS:
        is_operator = email == operator_email
        users[email] = User.objects.create(
            email=email, password=password, first_name=first, last_name=last,
            is_staff=is_operator, is_superuser=is_operator, email_verified_at=timezone.now(),
        )
    for hub in hubs.values():
        HubStaff.objects.create(hub=hub, user=users[operator_email], role=HubRole.OWNER)
    for email, first, last, phone, line1, postal_code, city, _ in data.CUSTOMERS:
        user = users.get(email) or User.objects.create(
            email=email, password=password, first_name=first, last_name=last,
            email_verified_at=timezone.now(),
        )
        user.phone = phone
        user.save(update_fields=["phone"])
        users[email] = user
        Address.objects.create(
            user=user, label="Maison", first_name=first, last_name=last, line1=line1,
            postal_code=postal_code, city=city, phone=phone,
        )
    summary.add("users", len(users))
    return users


def _producers(hubs: dict[str, Hub], users: dict[str, User], summary: Summary) -> dict[str, Producer]:
    producers = {}
    for spec in data.PRODUCERS:
        fields = {k: v for k, v in spec.items() if k not in ("hub", "defaults")}
        producers[spec["slug"]] = Producer.objects.create(hub=hubs[spec["hub"]], **fields)
    ProducerStaff.objects.create(producer=producers["fromagerie-du-mercantour"], user=users[data.LOGINS[1][1]])
    for email in (data.LOGINS[0][1], data.LOGINS[1][1]):
        TOTPDevice.objects.create(
            user=users[email], name="demo authenticator", key=data.DEMO_TOTP_KEY_HEX, confirmed=True
        )
    summary.add("producers", len(producers))
    return producers


def _categories(hubs: dict[str, Hub], summary: Summary) -> dict[tuple[str, str], Category]:
    cats = {}
    for position, (hub_slug, key, name, name_en, _, _) in enumerate(data.CATEGORIES):
        cats[(hub_slug, key)] = Category.objects.create(
            hub=hubs[hub_slug], slug=key, name=name, name_en=name_en, position=position
        )
    summary.add("categories", len(cats))
    return cats


def _products(
    producers: dict[str, Producer], cats: dict[tuple[str, str], Category], rng: random.Random, summary: Summary
) -> None:
    looks = {(h, k): (colour, shape) for h, k, _, _, colour, shape in data.CATEGORIES}
    n_products = n_variants = n_images = 0
    for producer_slug, items in data.PRODUCTS.items():
        producer = producers[producer_slug]
        spec = next(p for p in data.PRODUCERS if p["slug"] == producer_slug)
        defaults = spec["defaults"]
        hub_slug = spec["hub"]
        for name, name_en, desc, desc_en, variant_spec, opts in items:
            o = {**defaults, **opts}
            category = cats[(hub_slug, o["category"])]
            variants = data.parse_variants(variant_spec)
            weighed = any(v.estimated_weight_g for v in variants)
            is_food = o.get("food", True)
            product = Product.objects.create(
                hub=producer.hub,
                producer=producer,
                category=category,
                slug=slugify(name)[:120],
                name=name,
                name_en=name_en,
                description=desc,
                description_en=desc_en,
                is_food=is_food,
                ingredients=o.get("ingredients", ""),
                allergens=o.get("allergens", []) if is_food else [],
                origin=o.get("origin", ""),
                storage=o.get("storage", ""),
                tax_category=o.get("tax", "food"),
                sold_by_weight=weighed,
                unit=variants[0].unit,
                withdrawal_exception=o.get("wd", ""),
                search_text=_fold(" ".join((name, name_en, desc, desc_en, producer.name, category.name, category.name_en))),
            )
            rows = Variant.objects.bulk_create(
                Variant(
                    product=product,
                    sku=f"{producer_slug[:12].upper()}-{product.pk}-{i + 1}",
                    label=v.label,
                    price_cents=v.price_cents,
                    net_quantity=v.net_quantity,
                    estimated_weight_g=v.estimated_weight_g,
                    position=i,
                )
                for i, v in enumerate(variants)
            )
            counts = [o["stock"] if "stock" in o else rng.randint(6, 40) for _ in rows]
            Stock.objects.bulk_create(Stock(variant=v, remaining=c) for v, c in zip(rows, counts, strict=True))
            StockMovement.objects.bulk_create(
                StockMovement(variant=v, delta=c, reason=MovementReason.ADJUSTMENT, reference="demo")
                for v, c in zip(rows, counts, strict=True)
                if c
            )
            colour, shape = looks[(hub_slug, o["category"])]
            image = ProductImage(product=product, alt=name, position=0)
            picture = product_picture(name=name, colour=colour, shape=shape, seed=product.pk)
            image.image.save(f"{hub_slug}-{product.slug}.png", ContentFile(picture), save=True)
            n_products += 1
            n_variants += len(rows)
            n_images += 1
    summary.add("products", n_products)
    summary.add("variants", n_variants)
    summary.add("images", n_images)


def _places(hubs: dict[str, Hub], summary: Summary) -> dict[str, list[tuple[PickupPoint, list]]]:
    for hub_slug, name, codes, fee, free_above in data.ZONES:
        Zone.objects.create(hub=hubs[hub_slug], name=name, postal_codes=codes, fee_cents=fee, free_above_cents=free_above)
    points: dict[str, list[tuple[PickupPoint, list]]] = {slug: [] for slug in hubs}
    for hub_slug, name, address, postal_code, city, hours, windows in data.PICKUP_POINTS:
        point = PickupPoint.objects.create(
            hub=hubs[hub_slug], name=name, address=address, postal_code=postal_code, city=city, opening_hours=hours
        )
        points[hub_slug].append((point, windows))
    for hub_slug, name, priority, fee, free_above, polygon in logistics.POLYGON_ZONES:
        Zone.objects.create(
            hub=hubs[hub_slug], name=name, kind=ZoneKind.POLYGON, polygon=[list(p) for p in polygon],
            priority=priority, fee_cents=fee, free_above_cents=free_above,
        )
    summary.add("delivery zones", len(data.ZONES) + len(logistics.POLYGON_ZONES))
    summary.add("pickup points", len(data.PICKUP_POINTS))
    return points


def _slots_for_day(
    hub: Hub, day: date, points: list[tuple[PickupPoint, list]], rng: random.Random
) -> list[Slot]:
    """The delivery and pickup windows of one hub-local day, closing at 18:00 the day before."""
    tz = ZoneInfo(hub.timezone)
    cutoff = delivery_rules.cutoff_for(day, days_before=1, at=CUTOFF_TIME, tz=tz)
    slots = []
    if day.weekday() in DELIVERY_DAYS:
        for start, end in DELIVERY_WINDOWS:
            starts_at, ends_at = delivery_rules.local_window(day, time(start), time(end), tz)
            slots.append(Slot(hub=hub, kind=SlotKind.DELIVERY, starts_at=starts_at, ends_at=ends_at,
                              cutoff_at=cutoff, capacity=rng.randint(10, 30)))
    for point, windows in points:
        for weekday, start, end in windows:
            if weekday == day.weekday():
                starts_at, ends_at = delivery_rules.local_window(day, time(start), time(end), tz)
                slots.append(Slot(hub=hub, kind=SlotKind.PICKUP, pickup_point=point, starts_at=starts_at,
                                  ends_at=ends_at, cutoff_at=cutoff, capacity=rng.randint(10, 30)))
    return slots


def _schedules(hubs: dict[str, Hub], points: dict[str, list], now: datetime, summary: Summary) -> None:
    """Regular windows, a closure and a special day per the logistics data."""
    schedules = closures = specials = 0
    for slug, hub in hubs.items():
        today = now.astimezone(ZoneInfo(hub.timezone)).date()
        weekdays = "".join(str(d) for d in DELIVERY_DAYS)
        rows = [
            Schedule(hub=hub, kind=SlotKind.DELIVERY, weekdays=weekdays, start_time=time(start),
                     end_time=time(end), capacity=logistics.SLOT_CAPACITY, cutoff_days_before=1,
                     cutoff_time=CUTOFF_TIME)
            for start, end in DELIVERY_WINDOWS
        ]
        for point, windows in points[slug]:
            rows += [
                Schedule(hub=hub, kind=SlotKind.PICKUP, pickup_point=point, weekdays=str(weekday),
                         start_time=time(start), end_time=time(end), capacity=logistics.SLOT_CAPACITY,
                         cutoff_days_before=1, cutoff_time=CUTOFF_TIME)
                for weekday, start, end in windows
            ]
        Schedule.objects.bulk_create(rows)
        schedules += len(rows)
        for hub_slug, first, last, reason in logistics.CLOSURES:
            if hub_slug == slug:
                Closure.objects.create(hub=hub, first_day=today + timedelta(days=first),
                                       last_day=today + timedelta(days=last), reason=reason)
                closures += 1
        for hub_slug, offset, start, end, capacity, replaces, note in logistics.SPECIAL_DAYS:
            if hub_slug == slug:
                SpecialDay.objects.create(
                    hub=hub, day=today + timedelta(days=offset), kind=SlotKind.DELIVERY, start_time=time(start),
                    end_time=time(end), capacity=capacity, cutoff_days_before=1, cutoff_time=CUTOFF_TIME,
                    replaces=replaces, note=note,
                )
                specials += 1
    summary.add("schedules", schedules)
    summary.add("closures", closures)
    summary.add("special days", specials)


def _slots(
    hubs: dict[str, Hub], points: dict[str, list], now: datetime, rng: random.Random, summary: Summary
) -> None:
    """Past slots from three weeks ago (for past orders); the coming two weeks
    are generated from the schedules, as an operator would."""
    future = past = 0
    for slug, hub in hubs.items():
        today = now.astimezone(ZoneInfo(hub.timezone)).date()
        rows = []
        for offset in range(-PAST_DAYS, 1):
            for slot in _slots_for_day(hub, today + timedelta(days=offset), points[slug], rng):
                if slot.starts_at <= now:
                    past += 1
                    rows.append(slot)
        Slot.objects.bulk_create(rows)
        report = slots_generate(hub=hub, weeks=FUTURE_DAYS // 7, now=now)
        future += report.created
    summary.add("open slots (next 14 days)", future)
    summary.add("past slots", past)


def _vehicles(hubs: dict[str, Hub], summary: Summary) -> None:
    for hub_slug, name, kg, crates, start, end in logistics.VEHICLES:
        Vehicle.objects.create(hub=hubs[hub_slug], name=name, capacity_kg=kg, capacity_crates=crates,
                               shift_start=time(*start), shift_end=time(*end))
    summary.add("vehicles", len(logistics.VEHICLES))


def _basket_variants(hub: Hub, rng: random.Random) -> list[Variant]:
    """Pick 3 to 5 variants with plenty of stock, from different products."""
    candidates = list(
        Variant.objects.filter(product__hub=hub, stock__remaining__gte=8)
        .exclude(product__tax_category="prepared_food")
        .select_related("product")
        .order_by("pk")
    )
    chosen: dict[int, Variant] = {}
    while len(chosen) < rng.randint(3, 5):
        v = rng.choice(candidates)
        chosen.setdefault(v.product_id, v)
    return list(chosen.values())


def _place_order(
    *, hub: Hub, user: User, customer: tuple, slot: Slot, placed_at: datetime, rng: random.Random
) -> Order:
    email, first, last, phone, line1, postal_code, city, _ = customer
    latitude, longitude = logistics.CUSTOMER_COORDINATES[email]
    cart = cart_create(hub=hub, user=user)
    variants = _basket_variants(hub, rng)
    estimate = 0
    for i, variant in enumerate(variants + [rng.choice(variants) for _ in range(6)]):
        # Every picked product once, then more units until the basket is
        # comfortably above the hub's minimum.
        if i >= len(variants) and estimate >= hub.min_order_cents + 1000:
            break
        qty = rng.choice((1, 1, 2))
        cart_add(cart=cart, variant_id=variant.pk, quantity=qty)
        estimate += qty * line_price_cents(
            price_cents=variant.price_cents, quantity=1, sold_by_weight=variant.product.sold_by_weight,
            estimated_weight_g=variant.estimated_weight_g,
        )
    if slot.kind == SlotKind.DELIVERY:
        details = CheckoutDetails(
            fulfilment="delivery", slot_id=slot.pk, email=email, first_name=first, last_name=last, phone=phone,
            accepted_terms=True, postal_code=postal_code, address_line1=line1, city=city,
            latitude=float(latitude), longitude=float(longitude), allow_substitutions=rng.random() < 0.5,
        )
    else:
        details = CheckoutDetails(
            fulfilment="pickup", slot_id=slot.pk, email=email, first_name=first, last_name=last, phone=phone,
            accepted_terms=True, pickup_point_id=slot.pickup_point_id,
        )
    order = checkout_complete(
        hub=hub, cart=cart, details=details, checkout_token=uuid.uuid4(), user=user, now=placed_at
    )
    payment = checkout_pay(order=order, return_url="/")
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    order = checkout_payment_returned(payment_public_id=payment.public_id)
    # The payment answer is applied "now"; date it a few minutes after the
    # placement, as it happened for a real customer.
    paid_at = placed_at + timedelta(minutes=rng.randint(1, 6))
    Order.objects.filter(pk=order.pk).update(paid_at=paid_at)
    OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).update(created_at=paid_at)
    return order


def _advance(order: Order, *, slot: Slot, until: str, operator: User) -> Order:
    """Move a paid order along the pipeline, each step dated around its slot."""
    steps = [
        (OrderStatus.IN_PREPARATION, slot.cutoff_at + timedelta(hours=14)),
        (OrderStatus.READY, slot.starts_at - timedelta(minutes=90)),
    ]
    if order.is_pickup:
        steps.append((OrderStatus.READY_FOR_PICKUP, slot.starts_at - timedelta(minutes=30)))
        steps.append((OrderStatus.DELIVERED, slot.starts_at + timedelta(minutes=75)))
    else:
        steps.append((OrderStatus.OUT_FOR_DELIVERY, slot.starts_at))
        steps.append((OrderStatus.DELIVERED, slot.starts_at + timedelta(minutes=80)))
    for target, at in steps:
        order = order_transition(order_id=order.pk, target=target, actor=operator, now=at)
        if target == until:
            break
    return order


def _orders(
    hubs: dict[str, Hub], users: dict[str, User], now: datetime, rng: random.Random, summary: Summary
) -> None:
    """Two or three past orders per demo customer, and a few for the coming days."""
    operator = users[data.LOGINS[0][1]]
    statuses: dict[str, int] = {}
    for customer in data.CUSTOMERS:
        hub = hubs[customer[7]]
        user = users[customer[0]]
        past = list(
            Slot.objects.filter(hub=hub, starts_at__lt=now - timedelta(hours=3)).order_by("starts_at", "pk")
        )
        upcoming = list(Slot.objects.filter(hub=hub, cutoff_at__gt=now).order_by("starts_at", "pk")[:12])
        picks = rng.sample(past, k=rng.randint(2, 3))
        for slot in sorted(picks, key=lambda s: s.starts_at):
            placed_at = slot.cutoff_at - timedelta(hours=rng.randint(4, 60), minutes=rng.randint(0, 59))
            order = _place_order(hub=hub, user=user, customer=customer, slot=slot, placed_at=placed_at, rng=rng)
            order = _advance(order, slot=slot, until=OrderStatus.DELIVERED, operator=operator)
            statuses[order.status] = statuses.get(order.status, 0) + 1
        if upcoming and rng.random() < 0.7:
            slot = rng.choice(upcoming)
            placed_at = now - timedelta(hours=rng.randint(2, 30))
            order = _place_order(hub=hub, user=user, customer=customer, slot=slot, placed_at=placed_at, rng=rng)
            if rng.random() < 0.5 and slot.cutoff_at < now + timedelta(days=2):
                order = order_transition(order_id=order.pk, target=OrderStatus.IN_PREPARATION, actor=operator)
            statuses[order.status] = statuses.get(order.status, 0) + 1
    for status, n in sorted(statuses.items()):
        summary.add(f"orders {status}", n)


def demo_load(*, say: Say, now: datetime | None = None) -> Summary:
    """Create the demo hubs, producers, catalog, places, slots, users and orders."""
    now = now or clock.now()
    rng = random.Random(SEED)
    summary = Summary()

    def step(label: str, fn: Callable[[], object], *keys: str) -> object:
        started = time_module.monotonic()
        result = fn()
        counts = ", ".join(f"{summary.counts.get(k, 0)} {k}" for k in keys)
        say(f"  {label:<24} {counts}  ({time_module.monotonic() - started:.1f} s)")
        return result

    with transaction.atomic():
        hubs = step("Hubs", lambda: _hubs(summary), "hubs")
        users = step("Users", lambda: _users(hubs, summary), "users")
        producers = step("Producers", lambda: _producers(hubs, users, summary), "producers")
        cats = step("Categories", lambda: _categories(hubs, summary), "categories")
        step("Products and images", lambda: _products(producers, cats, rng, summary), "products", "variants", "images")
        points = step("Zones and pickup points", lambda: _places(hubs, summary), "delivery zones", "pickup points")
        step("Schedules", lambda: _schedules(hubs, points, now, summary), "schedules", "closures", "special days")
        step("Slots", lambda: _slots(hubs, points, now, rng, summary), "open slots (next 14 days)", "past slots")
        step("Vehicles", lambda: _vehicles(hubs, summary), "vehicles")
    # Orders are placed through checkout, which runs its own (durable)
    # transactions, so this step runs outside the block above.
    started = time_module.monotonic()
    _orders(hubs, users, now, rng, summary)
    order_keys = sorted(k for k in summary.counts if k.startswith("orders "))
    counts = ", ".join(f"{summary.counts[k]} {k.removeprefix('orders ')}" for k in order_keys)
    say(f"  {'Orders':<24} {counts}  ({time_module.monotonic() - started:.1f} s)")
    return summary
