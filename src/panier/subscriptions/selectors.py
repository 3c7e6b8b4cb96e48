"""Subscription reads."""

from __future__ import annotations

from django.db.models import QuerySet

from panier.subscriptions.errors import SubscriptionNotFound
from panier.subscriptions.models import Subscription, SubscriptionRun


def subscription_list_for_user(*, user) -> QuerySet[Subscription]:
    return Subscription.objects.filter(user=user).select_related("hub", "pickup_point")


def subscription_access(user, public_id, *, lock: bool = False) -> Subscription:
    """The user's own subscription, or SubscriptionNotFound (also for others' ids)."""
    if not user.is_authenticated:
        raise SubscriptionNotFound()
    qs = Subscription.objects.select_related(
        "hub", "pickup_point", "payment_method", "setup_payment"
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    subscription = qs.filter(user=user, public_id=public_id).first()
    if subscription is None:
        raise SubscriptionNotFound()
    return subscription


def subscription_runs(*, subscription: Subscription, limit: int = 10) -> list[SubscriptionRun]:
    return list(subscription.runs.select_related("order")[:limit])
