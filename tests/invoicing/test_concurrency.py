"""Gap-free numbering under concurrency, on PostgreSQL with real threads."""

import threading

import pytest
from django.db import connection

from panier.delivery.models import Slot
from panier.inventory.models import Stock
from panier.invoicing.models import Invoice, NumberSequence
from panier.invoicing.services import invoice_issue_for_order
from tests import factories
from tests.invoicing.conftest import place_paid_order

THREADS = 20


def run_together(targets):
    """Start every target at once (behind a barrier); return the exceptions raised."""
    barrier = threading.Barrier(len(targets))
    errors = []

    def wrap(target):
        try:
            barrier.wait()
            target()
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issues_get_twenty_consecutive_numbers():
    """Twenty orders invoiced at once get numbers 1..20: no duplicate, no gap."""
    shop = factories.make_shop()
    Stock.objects.update(remaining=1000)
    Slot.objects.update(capacity=1000)
    orders = [place_paid_order(shop, (i % 2, 1)) for i in range(THREADS)]

    errors = run_together([lambda o=o: invoice_issue_for_order(order=o, render=False) for o in orders])

    assert errors == []
    numbers = sorted(Invoice.objects.values_list("sequence_number", flat=True))
    assert numbers == list(range(1, THREADS + 1))
    assert NumberSequence.objects.get().last_number == THREADS
    assert Invoice.objects.values("order").distinct().count() == THREADS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issues_of_one_order_give_one_invoice():
    """Double clicks and retries racing on the same order issue one invoice and take one number."""
    shop = factories.make_shop()
    order = place_paid_order(shop, (0, 1), (1, 1))
    results = []

    errors = run_together(
        [lambda: results.append(invoice_issue_for_order(order=order, render=False)[0].pk) for _ in range(THREADS)]
    )

    assert errors == []
    assert len(set(results)) == 1
    assert Invoice.objects.count() == 1
    assert NumberSequence.objects.get().last_number == 1
