"""Invoice reads: who may download which document, and series integrity."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, QuerySet

from panier.core.sqlcache import reuse_sql
from panier.hubs.models import Hub, HubStaff
from panier.invoicing import rules
from panier.invoicing.models import Invoice, NumberSequence
from panier.orders.models import Order, OrderLine, OrderStatus
from panier.tax import oss
from panier.tax import rules as tax_rules


def invoices_for_order(*, order: Order) -> QuerySet[Invoice]:
    """The invoices and credit notes of an order, oldest first (no document bytes)."""
    return reuse_sql(Invoice.objects.filter(order=order).defer("pdf", "xml").order_by("issued_at", "pk"), "invoicing.for_order")


def invoice_for_customer(*, public_id: uuid.UUID, user=None, access_key: str | None = None) -> Invoice | None:
    """A document its customer may download: their own order's, or a guest's by the order key."""
    invoice = Invoice.objects.select_related("order").defer("pdf", "xml").filter(public_id=public_id).first()
    if invoice is None:
        return None
    order = invoice.order
    if user is not None and user.is_authenticated and order.user_id == user.pk:
        return invoice
    if access_key and str(order.access_key) == str(access_key).strip():
        return invoice
    return None


def can_manage_invoices(*, hub: Hub, user) -> bool:
    """Hub staff (any role) and superusers read a hub's invoices."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or HubStaff.objects.filter(hub=hub, user=user).exists()


def invoice_for_operator(*, hub: Hub, number: str, user) -> Invoice | None:
    """A hub's document by number, for its staff; None otherwise."""
    if not can_manage_invoices(hub=hub, user=user):
        return None
    return Invoice.objects.defer("pdf", "xml").filter(hub=hub, number=number).first()


def sequence_reports(*, hub: Hub) -> list[tuple[NumberSequence, rules.SequenceReport]]:
    """Check every series of a hub for gaps and repeats (compliance facts §3.3)."""
    reports = []
    for sequence in NumberSequence.objects.filter(hub=hub).order_by("prefix"):
        numbers = Invoice.objects.filter(sequence=sequence).values_list("sequence_number", flat=True)
        reports.append((sequence, rules.sequence_check(numbers, last=sequence.last_number)))
    return reports


def documents_issued(*, hub: Hub | None, start, end, kind: str | None = None) -> QuerySet[Invoice]:
    """Documents issued in [start, end) by issue date, with their lines (reports)."""
    qs = Invoice.objects.filter(issue_date__gte=start, issue_date__lt=end).defer("pdf", "xml")
    if hub is not None:
        qs = qs.filter(hub=hub)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.select_related("hub", "producer", "order").prefetch_related("lines").order_by("hub_id", "issued_at", "pk")



def oss_distance_sales_cents(*, hub: Hub, year: int, producer=None, exclude_order: Order | None = None) -> int:
    """Net total of a seller's B2C sales to other member states in a year (art. 59c threshold).

    Seller identity: the hub, or a producer selling in its own name. Credit
    notes count negative. Feed it to :func:`panier.tax.oss.place_of_taxation`
    (this year's total, and last year's as ``previous_year_cents``).
    """
    documents = Invoice.objects.filter(
        hub=hub,
        producer=producer,
        issue_date__year=year,
        buyer_vat_number="",
    ).exclude(buyer_country=F("seller_country"))
    if exclude_order is not None:
        documents = documents.exclude(order=exclude_order)
    total = 0
    for kind, net in documents.values_list("kind", "net_cents"):
        total += -net if kind == "credit_note" else net
    return total


#: Orders placed but not invoiced yet that will not be: they do not count.
_NOT_SOLD = (OrderStatus.PAYMENT_FAILED, OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def oss_running_total_cents(*, hub: Hub, year: int, producer=None) -> int:
    """A seller's distance sales of ``year`` before a new order: invoiced and placed.

    The issued invoices (:func:`oss_distance_sales_cents`), plus the orders
    already placed that have no invoice yet (waiting for payment, or paid
    but not invoiced): a sale counts from its placement, so two baskets
    placed one after the other both see the first. Net amounts of a
    producer are its lines' VAT-exclusive totals.
    """
    total = oss_distance_sales_cents(hub=hub, year=year, producer=producer)
    pending = (
        Order.objects.filter(hub=hub, placed_at__year=year, company_vat_number="")
        .exclude(customer_country=hub.country)
        .exclude(status__in=_NOT_SOLD)
        .exclude(Exists(Invoice.objects.filter(order=OuterRef("pk"))))
    )
    if producer is None:
        for gross, vat in pending.values_list("total_cents", "vat_cents"):
            total += gross - vat
        return total
    lines = OrderLine.objects.filter(order__in=pending, producer=producer, seller_of_record="producer")
    for gross, rate in lines.values_list("line_total_cents", "tax_rate_bp"):
        total += tax_rules.net_of_vat(gross, rate)
    return total


def oss_decision_for_order(*, order: Order) -> oss.Decision:
    """Where a hub's sale of goods to this order's customer is taxed (art. 59c threshold).

    The customer's country of the order decides (its delivery country, or a
    company's billing country), never the hub's. Sales to a customer who
    gave a VAT number are business sales, outside the threshold, as in the
    OSS return. The running totals come from the hub's issued invoices:
    this year's (the order's own left out) and last year's.
    """
    hub = order.hub
    on = order.placed_at.astimezone(ZoneInfo(hub.timezone)).date()
    profile = oss.SellerProfile(
        home_country=hub.country,
        previous_year_cents=oss_distance_sales_cents(hub=hub, year=on.year - 1),
    )
    sale = oss.Sale(
        on=on,
        customer_country=order.customer_country or hub.country,
        net_cents=order.total_cents - order.vat_cents,
        to_business=bool(order.company_vat_number),
    )
    year_to_date = oss_distance_sales_cents(hub=hub, year=on.year, exclude_order=order)
    return oss.place_of_taxation(profile=profile, sale=sale, year_to_date_cents=year_to_date)
