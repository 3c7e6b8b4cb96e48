"""Rows handed to a related manager read as Django's own prefetching reads them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panier.core.prefetch import prefetched, prefetched_keep
from panier.orders.models import Order
from tests import factories

pytestmark = pytest.mark.django_db


def test_kept_lines_are_read_without_a_query_and_as_a_prefetch_gives_them():
    shop = factories.make_shop()
    placed = factories.placed_order(shop, [(0, 2), (1, 1), (2, 1)])
    order = Order.objects.get(pk=placed.pk)
    assert not prefetched(order, "lines")
    lines = list(order.lines.select_related("producer").order_by("pk"))

    prefetched_keep(order, "lines", lines)

    assert prefetched(order, "lines")
    with CaptureQueriesContext(connection) as queries:
        kept = list(order.lines.all())
        assert [line.producer.name for line in kept] == [line.producer.name for line in lines]
        assert order.lines.count() == 3
        assert all(line.order is order for line in kept)
    assert len(queries) == 0
    fetched = Order.objects.prefetch_related("lines").get(pk=order.pk)
    assert [line.pk for line in kept] == [line.pk for line in fetched.lines.all()]


def test_a_new_line_drops_what_was_kept():
    shop = factories.make_shop()
    order = Order.objects.get(pk=factories.placed_order(shop, [(0, 1)]).pk)
    prefetched_keep(order, "lines", list(order.lines.all()))
    line = order.lines.get()
    line.pk = None
    order.lines.add(line, bulk=False)
    assert not prefetched(order, "lines")
    assert order.lines.count() == 2
