"""A cycle run twice at the same time (two schedulers, a retried job)
places one order and charges once. PostgreSQL only: SQLite serialises
writers, so the race cannot happen there."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from panier.inventory.models import Stock
from panier.orders.models import Order, OrderStatus
from panier.payments.models import Payment
from panier.subscriptions.models import SubscriptionRun
from panier.subscriptions.services import subscription_cycle_run
from tests import factories
from tests.subscriptions.helpers import subscribe

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_cycle_run_twice_in_parallel_places_one_order():
    """Four workers run the same cycle together: one run, one order, one charge, stock taken once."""
    shop = factories.make_shop()
    subscription = subscribe(shop)
    barrier = threading.Barrier(4)
    outcomes: list[object] = [None] * 4

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            outcomes[i] = subscription_cycle_run(
                subscription_id=subscription.pk, cycle_on=subscription.starts_on
            )
        except Exception as exc:  # asserted below
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(o, SubscriptionRun) for o in outcomes), outcomes
    assert SubscriptionRun.objects.filter(subscription=subscription).count() == 1
    orders = Order.objects.filter(user=subscription.user)
    assert orders.count() == 1
    assert orders.get().status == OrderStatus.PAID
    assert Payment.objects.filter(reference=orders.get().number).count() == 1
    assert Stock.objects.get(variant=shop.variant(0)).remaining == 8
