"""Races on refunds and their credit notes (PostgreSQL, real threads behind a barrier)."""

from __future__ import annotations

import pytest

from panier.aftersales.services import order_refund_credited
from panier.fulfilment.services import LineResult, order_packing_finish
from panier.invoicing.models import DocumentKind, Invoice, InvoiceLine
from panier.invoicing.selectors import sequence_reports
from panier.orders.models import OrderLine
from panier.orders.payment_services import order_payment
from panier.payments.models import PaymentOperation
from tests import factories
from tests.concurrency.test_races import kinds, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _packed_order(shop):
    order = factories.order_paid_by_card(shop, [(0, 2), (1, 1)])
    order_packing_finish(
        order_id=order.pk, bags=1, lines=[LineResult(line.pk) for line in order.lines.order_by("pk")]
    )
    return order


def test_simultaneous_refunds_of_one_line_refund_and_credit_it_once(shop):
    """Six operators refund the same honey jar at once (six keys): one refund, one credit note, no gap."""
    order = _packed_order(shop)
    honey = order.lines.get(product_name="Miel de lavande")

    outcomes = race(6, lambda i: order_refund_credited(
        order_id=order.pk, reason="Jar broken", idempotency_key=f"race-{i}", line_ids=[honey.pk]
    ).amount_cents)

    assert kinds(outcomes) == {"ok": 1, "RefundInvalid": 5}
    assert PaymentOperation.objects.filter(kind="refund", status="succeeded").count() == 1
    assert order_payment(order=order).refunded_cents == 1055
    assert OrderLine.objects.get(pk=honey.pk).refunded_cents == 1055
    [credit] = Invoice.objects.filter(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert (credit.gross_cents, credit.sequence_number) == (1055, 1)
    assert all(report.ok for _, report in sequence_reports(hub=shop.hub))


def test_refunds_of_different_lines_at_once_get_one_credit_note_each(shop):
    """Refunds of two lines of each of three orders at once: six credit notes numbered 1..6, each crediting its refund."""
    orders = [_packed_order(shop) for _ in range(3)]
    jobs = [(order.pk, line.pk) for order in orders for line in order.lines.order_by("pk")]

    outcomes = race(len(jobs), lambda i: order_refund_credited(
        order_id=jobs[i][0], reason="Casse", idempotency_key=f"lines-{i}", line_ids=[jobs[i][1]]
    ).amount_cents)

    assert kinds(outcomes) == {"ok": 6}
    credits = Invoice.objects.filter(kind=DocumentKind.CREDIT_NOTE)
    assert sorted(credits.values_list("sequence_number", flat=True)) == [1, 2, 3, 4, 5, 6]
    operations = dict(PaymentOperation.objects.filter(kind="refund").values_list("pk", "amount_cents"))
    assert sorted((c.source_key, c.gross_cents) for c in credits) == sorted(
        (f"refund:{pk}", amount) for pk, amount in operations.items()
    )
    credited = {}
    for line in InvoiceLine.objects.filter(invoice__in=credits).select_related("credited_line"):
        credited[line.credited_line.order_line_id] = credited.get(line.credited_line.order_line_id, 0) + line.gross_cents
    assert credited == {line.pk: line.refunded_cents for line in OrderLine.objects.all()}
    assert sorted(credited.values()) == [1055, 1055, 1055, 1300, 1300, 1300]
    assert all(report.ok for _, report in sequence_reports(hub=shop.hub))
