"""Reading personal data: a customer's own data, a hub's customer list, breaches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, QuerySet

from panier.accounts.models import Address, User
from panier.hubs.models import Hub
from panier.invoicing.models import Invoice
from panier.orders.models import Order, OrderLine, Withdrawal
from panier.privacy.models import Breach, MarketingConsent


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def personal_data(*, user: User) -> dict[str, list[dict[str, Any]]]:
    """Everything Panier holds about ``user``, table by table (GDPR art. 15 and 20).

    Amounts stay in cents, times in ISO 8601 UTC. Each value is a list of
    flat rows, so that the same data gives JSON and one CSV per table.
    """
    orders = list(Order.objects.filter(user=user).select_related("hub").order_by("placed_at", "pk"))
    order_ids = [o.pk for o in orders]
    return {
        "account": [{
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        }],
        "addresses": [
            {
                "label": a.label, "first_name": a.first_name, "last_name": a.last_name, "line1": a.line1,
                "line2": a.line2, "postal_code": a.postal_code, "city": a.city, "country": a.country,
                "phone": a.phone,
            }
            for a in Address.objects.filter(user=user).order_by("pk")
        ],
        "orders": [
            {
                "number": o.number, "hub": o.hub.name, "status": o.status, "placed_at": _iso(o.placed_at),
                "email": o.email, "first_name": o.first_name, "last_name": o.last_name, "phone": o.phone,
                "fulfilment": o.fulfilment, "address_line1": o.address_line1, "address_line2": o.address_line2,
                "postal_code": o.postal_code, "city": o.city, "delivery_notes": o.delivery_notes,
                "total_cents": o.total_cents, "currency": o.currency, "language": o.language,
            }
            for o in orders
        ],
        "order_lines": [
            {
                "order": line.order.number, "product": line.product_name, "variant": line.variant_label,
                "seller": line.seller_name, "quantity": line.quantity, "unit_price_cents": line.unit_price_cents,
                "line_total_cents": line.line_total_cents,
            }
            for line in OrderLine.objects.filter(order_id__in=order_ids).select_related("order").order_by("order_id", "pk")
        ],
        "invoices": [
            {
                "number": inv.number, "kind": inv.kind, "issue_date": inv.issue_date.isoformat(),
                "seller": inv.seller_name, "buyer_name": inv.buyer_name, "buyer_address": inv.buyer_address,
                "buyer_postal_code": inv.buyer_postal_code, "buyer_city": inv.buyer_city,
                "gross_cents": inv.gross_cents, "currency": inv.currency,
            }
            for inv in Invoice.objects.filter(order_id__in=order_ids).order_by("issued_at", "pk")
        ],
        "withdrawals": [
            {"order": w.order.number, "name": w.name, "email": w.email, "created_at": _iso(w.created_at),
             "confirmed_at": _iso(w.confirmed_at)}
            for w in Withdrawal.objects.filter(order_id__in=order_ids).select_related("order").order_by("pk")
        ],
        "marketing_consents": [
            {"hub": c.hub.name, "email": c.email, "status": c.status, "source": c.source,
             "text_version": c.text_version, "requested_at": _iso(c.requested_at),
             "confirmed_at": _iso(c.confirmed_at), "withdrawn_at": _iso(c.withdrawn_at)}
            for c in MarketingConsent.objects.filter(user=user).select_related("hub").order_by("pk")
        ],
    }


CUSTOMER_COLUMNS = ["email", "first_name", "last_name", "phone", "orders", "last_order_at"]


def hub_customers(*, hub: Hub) -> Iterator[list[Any]]:
    """One row per customer e-mail that ordered at ``hub``: contact details and activity.

    Details come from the customer's latest order at the hub.
    """
    stats = (
        Order.objects.filter(hub=hub)
        .values("email")
        .annotate(orders=Count("pk"), last_order_at=Max("placed_at"), last_pk=Max("pk"))
        .order_by("email")
    )
    rows = list(stats)
    latest = {
        o.pk: o
        for o in Order.objects.filter(pk__in=[r["last_pk"] for r in rows]).only(
            "pk", "email", "first_name", "last_name", "phone"
        )
    }
    for row in rows:
        if not row["email"]:
            continue
        order = latest[row["last_pk"]]
        yield [row["email"], order.first_name, order.last_name, order.phone, row["orders"],
               row["last_order_at"].isoformat()]


def breaches_for_hub(*, hub: Hub) -> QuerySet[Breach]:
    return Breach.objects.filter(hub=hub).order_by("-detected_at", "-pk")


def consents_confirmed(*, hub: Hub) -> QuerySet[MarketingConsent]:
    return MarketingConsent.objects.filter(hub=hub, status="confirmed").order_by("pk")
