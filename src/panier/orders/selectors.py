"""Order reads."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from panier.core.sqlcache import reuse_sql
from panier.orders.models import Order, OrderEvent, OrderLine, Withdrawal


def order_detail_queryset(*, events: bool = True) -> QuerySet[Order]:
    """Orders with everything a detail page shows, in a fixed number of queries.

    ``events=False`` leaves out the status history, for pages that do not
    show it.
    """
    lines = reuse_sql(OrderLine.objects.select_related("producer"), "orders.lines")
    prefetches = [Prefetch("lines", queryset=lines)]
    if events:
        prefetches.append(Prefetch("events", queryset=OrderEvent.objects.select_related("actor")))
    return Order.objects.select_related("hub", "slot", "zone", "pickup_point").prefetch_related(*prefetches)


def order_for_customer(
    *, number: str, user=None, access_key: str | None = None, events: bool = True
) -> Order | None:
    """Return an order its customer may see: their own, or a guest's by its access key."""
    qs = order_detail_queryset(events=events).filter(number=number)
    if user is not None and user.is_authenticated:
        order = reuse_sql(qs.filter(user=user), "orders.for_customer.user").first()
        if order is not None:
            return order
    if access_key:
        if not _is_uuid(access_key):
            return None
        return reuse_sql(qs.filter(access_key=access_key), "orders.for_customer.key").first()
    return None


def order_list_for_user(*, user) -> QuerySet[Order]:
    return Order.objects.filter(user=user).select_related("hub", "slot", "pickup_point").order_by("-placed_at")


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def order_for_withdrawal(*, number: str, email: str, user=None) -> Order | None:
    """Return the order a withdrawal request names, or None.

    The order number must match, and the e-mail address must be the
    order's, unless the logged-in user owns the order (C. conso L221-21:
    no re-identification of a logged-in customer).
    """
    order = Order.objects.select_related("hub").filter(number__iexact=number.strip()).first()
    if order is None:
        return None
    if user is not None and user.is_authenticated and order.user_id == user.pk:
        return order
    if email and order.email.lower() == email.strip().lower():
        return order
    return None


def withdrawal_get(*, token) -> Withdrawal | None:
    """Return a withdrawal request with its order, lines and hub."""
    return (
        Withdrawal.objects.select_related("order__hub")
        .prefetch_related("order__lines")
        .filter(token=token)
        .first()
    )
