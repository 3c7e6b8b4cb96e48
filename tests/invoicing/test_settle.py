"""Refunds, cancellations and packing keep the invoices equal to what the customer pays.

After packing and capture, and after each refund, per order line, per VAT
rate and in total: invoices − credit notes == captured − refunded.
"""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import facturx
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from lxml import etree

from panier.aftersales.services import order_cancel, order_refund_credited
from panier.delivery.models import Slot
from panier.fulfilment.services import LineResult, order_packing_finish
from panier.hubs.models import SellingMode
from panier.inventory.models import Stock
from panier.invoicing import rules
from panier.invoicing.cii import cii_xml
from panier.invoicing.documents import document_ubl
from panier.invoicing.models import DocumentKind, Invoice, InvoiceLine
from panier.invoicing.selectors import sequence_reports
from panier.invoicing.services import invoice_document_ensure, order_documents_settle
from panier.orders.models import Order, OrderStatus
from panier.orders.payment_services import order_payment, order_refund
from panier.payments.models import PaymentOperation, PaymentStatus
from tests import factories
from tests.invoicing.schematron import schematron_errors

pytestmark = pytest.mark.usefixtures("english")
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
RSM = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"


def billed_by_order_line(order: Order) -> dict:
    """Invoices minus credit notes per order line (None: the delivery fee)."""
    totals: dict = {}
    for line in InvoiceLine.objects.filter(invoice__order=order).select_related("invoice", "credited_line"):
        if line.invoice.kind == DocumentKind.CREDIT_NOTE:
            key, sign = line.credited_line.order_line_id, -1
        else:
            key, sign = line.order_line_id, 1
        totals[key] = totals.get(key, 0) + sign * line.gross_cents
    return totals


def billed_by_rate(order: Order, *, with_vat: bool = False) -> dict:
    """Invoices minus credit notes per VAT rate, from the documents' own breakdowns (gross, or gross and VAT)."""
    totals: dict = {}
    for document in Invoice.objects.filter(order=order):
        sign = -1 if document.is_credit_note else 1
        for row in document.vat_breakdown:
            gross, vat = totals.get(row["rate_bp"], (0, 0))
            totals[row["rate_bp"]] = (gross + sign * row["gross_cents"], vat + sign * row["vat_cents"])
    totals = {rate: value for rate, value in totals.items() if value != (0, 0)}
    return totals if with_vat else {rate: gross for rate, (gross, _) in totals.items()}


def expected_by_rate(order: Order, fee_cents: int) -> dict:
    """What the customer pays per rate: each line's final amount less its refund, the fee split as invoiced."""
    gross: dict = {}
    for line in order.lines.all():
        base = line.final_total_cents if line.final_total_cents is not None else line.line_total_cents
        gross[line.tax_rate_bp] = gross.get(line.tax_rate_bp, 0) + base - line.refunded_cents
    fee_lines = InvoiceLine.objects.filter(invoice__order=order, is_delivery=True, invoice__kind="invoice")
    fee_total = sum(f.gross_cents for f in fee_lines)
    parts = rules._share(fee_cents, [f.gross_cents for f in fee_lines]) if fee_total else []
    for fee, part in zip(fee_lines, parts, strict=True):
        gross[fee.rate_bp] = gross.get(fee.rate_bp, 0) + part
    from panier.tax.rules import vat_from_gross

    return {rate: (g, vat_from_gross(g, rate)) for rate, g in gross.items() if g}


def assert_vat_within_rounding(order: Order, expected: dict) -> None:
    """One seller: its documents' VAT per rate adds up to the VAT of what is paid, to the cent.

    Several sellers each round their own VAT: a cent per seller apart.
    """
    sellers = Invoice.objects.filter(order=order, kind="invoice", preceding_invoice__isnull=True).count()
    for rate, (gross, vat) in billed_by_rate(order, with_vat=True).items():
        assert gross == expected[rate][0]
        assert abs(vat - expected[rate][1]) <= sellers - 1, rate


def assert_settled(order: Order, *, fee_cents: int | None = None) -> None:
    """Invoices − credit notes == captured − refunded, in total, per line and per rate."""
    order = Order.objects.get(pk=order.pk)
    payment = order_payment(order=order)
    billed = billed_by_order_line(order)
    assert sum(billed.values()) == payment.captured_cents - payment.refunded_cents
    for line in order.lines.all():
        base = line.final_total_cents if line.final_total_cents is not None else line.line_total_cents
        assert billed.get(line.pk, 0) == base - line.refunded_cents, line.product_name
    fee = billed.get(None, 0) if fee_cents is None else fee_cents
    assert billed.get(None, 0) == fee
    expected = expected_by_rate(order, fee)
    assert billed_by_rate(order) == {rate: gross for rate, (gross, _) in expected.items()}
    assert_vat_within_rounding(order, expected)


def assert_valid_documents(order: Order) -> None:
    """Every document of the order: Factur-X XML valid (XSD and EN 16931 schematron), PDF carries it."""
    for document in Invoice.objects.filter(order=order).order_by("pk"):
        document = invoice_document_ensure(invoice_id=document.pk)
        _, xml = facturx.get_facturx_xml_from_pdf(bytes(document.pdf), check_xsd=True)
        assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
        assert schematron_errors(xml) == [], document.number
        assert schematron_errors(document_ubl(document), syntax="ubl") == [], document.number
        tree = etree.fromstring(xml)
        assert tree.findtext(f".//{RAM}TypeCode") == ("381" if document.is_credit_note else "380")
        referenced = document.referenced_invoice
        assert tree.findtext(f".//{RAM}InvoiceReferencedDocument/{RAM}IssuerAssignedID") == (
            referenced.number if referenced else None
        )


@pytest.fixture
def weighed_shop(shop):
    """The shop plus a saucisson at 20 €/kg estimated at 300 g (product index 3)."""
    factories.weighed_product(shop)
    Stock.objects.update(remaining=1000)
    Slot.objects.filter(hub=shop.hub).update(capacity=1000)
    return shop


def pack(order, **results) -> Order:
    """Pack every line as ordered unless ``results`` maps a product name to a LineResult's arguments."""
    lines = []
    for line in order.lines.order_by("pk"):
        lines.append(LineResult(line.pk, **results.get(line.product_name, {})))
    return order_packing_finish(order_id=order.pk, lines=lines, bags=1)


def test_packing_credits_missing_items_and_bills_heavier_ones_apart(weighed_shop):
    """One Tomme missing and the saucissons 50 g heavier: a credit note for 6.50 and a supplementary invoice for 1.00."""
    order = factories.order_paid_by_card(weighed_shop, [(0, 2), (3, 2)])
    [invoice] = Invoice.objects.filter(order=order)
    assert invoice.gross_cents == 2500 + 690

    pack(order, **{"Tomme de chèvre": {"packed_quantity": 1}, "Saucisson": {"weight_g": 650}})

    payment = order_payment(order=order)
    assert (payment.status, payment.captured_cents) == (PaymentStatus.CAPTURED, 650 + 1300 + 690)
    credit = Invoice.objects.get(order=order, kind=DocumentKind.CREDIT_NOTE)
    supplement = Invoice.objects.get(order=order, preceding_invoice=invoice)
    assert (credit.credited_invoice, credit.gross_cents, credit.number) == (invoice, 650, credit.number)
    assert credit.number.startswith("AV-")
    assert (supplement.kind, supplement.gross_cents, supplement.sequence_number) == ("invoice", 100, 2)
    assert supplement.sequence == invoice.sequence
    # Documents speak the order's language (French here).
    assert [line.description for line in supplement.lines.all()] == ["Complément : Saucisson ~300 g (650 g)"]
    assert_settled(order)
    assert_valid_documents(order)
    # Settling again changes nothing.
    assert order_documents_settle(order_id=order.pk, reason="again", source_key="again", render=False) == []


def test_everything_missing_credits_the_whole_invoice(weighed_shop):
    """Nothing to hand over: the authorisation is released and the invoice, fee included, is credited in full."""
    order = factories.order_paid_by_card(weighed_shop, [(0, 1), (3, 1)])

    pack(order, **{"Tomme de chèvre": {"outcome": "missing"}, "Saucisson": {"outcome": "missing"}})

    assert order_payment(order=order).status == PaymentStatus.CANCELLED
    [credit] = Invoice.objects.filter(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert credit.gross_cents == credit.credited_invoice.gross_cents
    assert billed_by_rate(order) == {}


def test_line_refund_credits_exactly_that_line_once(shop):
    """A refunded honey jar: one credit note of 10.55 at 5.5 % against the invoice; the same request again credits nothing more."""
    order = factories.order_paid_by_card(shop, [(0, 2), (1, 1), (2, 1)])
    pack(order)
    honey = order.lines.get(product_name="Miel de lavande")
    [invoice] = Invoice.objects.filter(order=order)

    first = order_refund_credited(order_id=order.pk, reason="Jar broken", idempotency_key="k1", line_ids=[honey.pk])
    again = order_refund_credited(order_id=order.pk, reason="Jar broken", idempotency_key="k1", line_ids=[honey.pk])

    assert first.amount_cents == again.amount_cents == 1055
    [credit] = Invoice.objects.filter(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert (credit.credited_invoice, credit.reason, credit.source_key) == (invoice, "Jar broken", f"refund:{first.operation_id}")
    assert credit.vat_breakdown[0]["rate_bp"] == 550
    assert (credit.gross_cents, credit.vat_cents) == (1055, 55)
    assert [line.credited_line.order_line_id for line in credit.lines.all()] == [honey.pk]
    assert PaymentOperation.objects.filter(kind="refund", status="succeeded").count() == 1
    assert_settled(order)


def test_operator_refunds_then_refunds_the_rest_and_both_pages_list_the_credit_notes(client, shop):
    """A line refund then the whole rest from the order page: two credit notes, nothing left billed, both listed and downloadable."""
    order = factories.order_paid_by_card(shop, [(0, 2), (1, 1)])
    pack(order)
    factories.login_staff(client, shop.operator)
    url = reverse("operator:order_refund", kwargs={"hub_slug": shop.hub.slug, "number": order.number})
    honey = order.lines.get(product_name="Miel de lavande")

    one = client.post(url, {"scope": "lines", "lines": [honey.pk], "reason": "Jar broken", "token": uuid.uuid4()})
    rest = client.post(url, {"scope": "whole", "reason": "Customer moved away", "token": uuid.uuid4()})

    assert (one.status_code, rest.status_code) == (302, 302)
    notes = list(Invoice.objects.filter(order=order, kind=DocumentKind.CREDIT_NOTE).order_by("pk"))
    assert [(n.gross_cents, n.reason) for n in notes] == [(1055, "Jar broken"), (1300 + 690, "Customer moved away")]
    assert [n.sequence_number for n in notes] == [1, 2]
    assert billed_by_rate(order) == {}
    assert_settled(order)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED
    page = client.get(reverse("operator:order_detail", kwargs={"hub_slug": shop.hub.slug, "number": order.number}))
    for note in notes:
        assert f"Credit note {note.number}".encode() in page.content
        download = reverse("invoicing:operator_download", kwargs={"hub_slug": shop.hub.slug, "number": note.number, "fmt": "pdf"})
        assert download.encode() in page.content
    client.logout()
    customer_page = client.get(reverse("orders:detail", kwargs={"number": order.number}), {"key": str(order.access_key)})
    link = reverse("invoicing:customer_pdf", kwargs={"public_id": notes[0].public_id})
    assert f"{link}?key={order.access_key}".encode() in customer_page.content
    pdf = client.get(link, {"key": str(order.access_key)})
    assert pdf.status_code == 200
    _, xml = facturx.get_facturx_xml_from_pdf(pdf.content, check_xsd=True)
    assert etree.fromstring(xml).findtext(f".//{RAM}TypeCode") == "381"
    assert_valid_documents(order)


def test_cancelling_an_authorised_invoiced_order_credits_it_in_full(client, shop):
    """Cancelled before packing: the authorisation is released and one credit note cancels the invoice."""
    order = factories.order_paid_by_card(shop, [(0, 1), (2, 1)])
    factories.login_staff(client, shop.operator)

    response = client.post(
        reverse("operator:order_transition", kwargs={"hub_slug": shop.hub.slug, "number": order.number}),
        {"target": "cancelled"},
    )

    assert response.status_code == 302
    assert order_payment(order=order).status == PaymentStatus.CANCELLED
    [credit] = Invoice.objects.filter(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert credit.gross_cents == credit.credited_invoice.gross_cents == 650 + 2400 + 690
    assert credit.reason == "Commande annulée"  # the order's language
    assert billed_by_rate(order) == {}


def test_cancelling_a_captured_order_refunds_and_credits_it(weighed_shop):
    """Cancelled after packing: the capture is refunded and what the invoices bill, supplement included, is credited."""
    order = factories.order_paid_by_card(weighed_shop, [(0, 1), (3, 1)])
    pack(order, **{"Saucisson": {"weight_g": 330}})
    assert Invoice.objects.filter(order=order, kind="invoice").count() == 2

    order_cancel(order_id=order.pk)

    payment = order_payment(order=order)
    assert payment.refunded_cents == payment.captured_cents == 650 + 660 + 690
    credits = Invoice.objects.filter(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert sorted(c.gross_cents for c in credits) == [60, 650 + 600 + 690]
    assert billed_by_rate(order) == {}
    assert_settled(order)


def test_marketplace_refund_credits_each_producer_invoice(db):
    """Lines of two producers refunded at once: one credit note per producer invoice, each in that producer's series."""
    shop = factories.make_shop(selling_mode=SellingMode.MARKETPLACE)
    for producer, siret in zip(shop.producers, ["73282932000074", "30326504500012"], strict=True):
        producer.siret = siret
        producer.save()
    order = factories.order_paid_by_card(shop, [(0, 2), (1, 1), (2, 1)])
    pack(order)
    tomme = order.lines.get(product_name="Tomme de chèvre")
    honey = order.lines.get(product_name="Miel de lavande")

    order_refund_credited(order_id=order.pk, reason="Casse", idempotency_key="m1", line_ids=[tomme.pk, honey.pk])

    credits = list(Invoice.objects.filter(order=order, kind=DocumentKind.CREDIT_NOTE).order_by("pk"))
    assert len(credits) == 2
    for credit in credits:
        original = credit.credited_invoice
        assert (credit.seller_key, credit.producer_id, credit.seller_name) == (
            original.seller_key, original.producer_id, original.seller_name
        )
        assert credit.number.startswith(f"AV-{rules.series_code(shop.hub.slug)}-P{original.producer_id}-")
    assert sorted(c.gross_cents for c in credits) == [1055, 1300]
    assert_settled(order)
    assert_valid_documents(order)


def test_settle_command_credits_a_refund_made_without_its_credit_note(shop, capsys):
    """A refund made below invoicing (no credit note yet) is credited by `panier invoices settle`, once."""
    order = factories.order_paid_by_card(shop, [(0, 1), (1, 1)])
    pack(order)
    honey = order.lines.get(product_name="Miel de lavande")
    order_refund(order_id=order.pk, reason="Jar broken", idempotency_key="direct", line_ids=[honey.pk])
    assert not Invoice.objects.filter(kind=DocumentKind.CREDIT_NOTE).exists()

    call_command("invoices", "settle")
    call_command("invoices", "settle")

    assert capsys.readouterr().out.splitlines() == ["1 documents issued", "0 documents issued"]
    [credit] = Invoice.objects.filter(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert credit.gross_cents == 1055
    assert_settled(order)


def test_series_stay_continuous_after_settling(weighed_shop):
    """Invoices, supplements and credit notes keep each series without gaps or repeats.

    Per order: an invoice and a supplement; credit notes at packing, then
    for the refund one against each of the two invoices.
    """
    for _ in range(3):
        order = factories.order_paid_by_card(weighed_shop, [(0, 2), (3, 1)])
        pack(order, **{"Tomme de chèvre": {"packed_quantity": 1}, "Saucisson": {"weight_g": 320}})
        order_refund_credited(order_id=order.pk, reason="x", idempotency_key=f"{order.pk}", whole=True)

    reports = sequence_reports(hub=weighed_shop.hub)
    assert [(s.prefix.startswith("AV-"), s.last_number, r.ok) for s, r in reports] == [(True, 9, True), (False, 6, True)]


def test_refund_never_credits_more_than_was_invoiced(shop):
    """After the whole order was refunded and credited, a refund refused by the payment leaves the documents alone."""
    order = factories.order_paid_by_card(shop, [(0, 1)])
    pack(order)
    order_refund_credited(order_id=order.pk, reason="all", idempotency_key="w1", whole=True)

    from panier.orders.payment_services import RefundInvalid

    with pytest.raises(RefundInvalid):
        order_refund_credited(order_id=order.pk, reason="again", idempotency_key="w2", whole=True)

    assert Invoice.objects.filter(kind=DocumentKind.CREDIT_NOTE).count() == 1
    assert billed_by_rate(order) == {}
    xml = cii_xml(Invoice.objects.get(kind=DocumentKind.CREDIT_NOTE), list(Invoice.objects.get(kind=DocumentKind.CREDIT_NOTE).lines.all()))
    assert etree.fromstring(xml).tag == f"{RSM}CrossIndustryInvoice"


@hyp_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    tomme=st.sampled_from([{}, {"packed_quantity": 1}, {"packed_quantity": 0}, {"outcome": "missing"}]),
    honey=st.sampled_from([{}, {"outcome": "missing"}]),
    weight_g=st.integers(1, 900),
    refund=st.sampled_from(["none", "tomme", "honey", "saucisson", "two", "whole"]),
)
# Saucissons of 691 g (13.82) with 13.80 of them captured: the refund gives back 13.80, not 13.82.
@example(tomme={}, honey={}, weight_g=691, refund="saucisson")
# A supplement and its invoice both credited at 5.5 %: the VAT ends at that of 30.45 (1.59), not 1.58.
@example(tomme={}, honey={}, weight_g=614, refund="saucisson")
def test_property_invoices_less_credit_notes_equal_capture_less_refunds(weighed_shop, tomme, honey, weight_g, refund):
    """Any packing (weights within or above the authorisation, missing items) then any refund: billed == paid, per rate."""
    order = factories.order_paid_by_card(weighed_shop, [(0, 2), (1, 1), (3, 2)])
    results = {"Tomme de chèvre": tomme, "Miel de lavande": honey, "Saucisson": {"weight_g": weight_g}}
    lines = [LineResult(line.pk, **results[line.product_name]) for line in order.lines.order_by("pk")]
    order = order_packing_finish(order_id=order.pk, lines=lines, bags=1, allow_over_authorised=True)
    payment = order_payment(order=order)
    shortfall = order.final_total_cents - payment.captured_cents

    names = {"tomme": ["Tomme de chèvre"], "honey": ["Miel de lavande"], "saucisson": ["Saucisson"],
             "two": ["Tomme de chèvre", "Saucisson"]}.get(refund, [])
    ids = [line.pk for line in order.lines.filter(product_name__in=names) if line.final_total_cents]
    if payment.status == PaymentStatus.CAPTURED and (ids or refund == "whole"):
        order_refund_credited(order_id=order.pk, reason="r", idempotency_key=f"p-{order.pk}", line_ids=ids,
                              whole=refund == "whole")

    payment = order_payment(order=order)
    billed = billed_by_order_line(order)
    assert sum(billed.values()) == payment.captured_cents - payment.refunded_cents
    assert all(amount >= 0 for amount in billed.values())
    for line in order.lines.all():
        # A line never gets back more than was paid for it, nor bills more than is left of it.
        base = line.final_total_cents if line.final_total_cents is not None else line.line_total_cents
        assert 0 <= billed.get(line.pk, 0) <= base - line.refunded_cents
    if shortfall == 0:
        assert_settled(order)
    else:
        from panier.tax.rules import vat_from_gross

        for rate, (gross, vat) in billed_by_rate(order, with_vat=True).items():
            assert vat == vat_from_gross(gross, rate), rate
    assert order_documents_settle(order_id=order.pk, reason="again", source_key="again", render=False) == []


def test_documents_of_a_french_order_speak_french(weighed_shop):
    """Reasons and supplement lines use the order's language."""
    with translation.override("fr"):
        order = factories.order_paid_by_card(weighed_shop, [(0, 1), (3, 1)])

    pack(order, **{"Saucisson": {"weight_g": 330}})
    order_cancel(order_id=order.pk)

    supplement = Invoice.objects.get(order=order, preceding_invoice__isnull=False)
    assert supplement.reason == "Montants définitifs à la préparation (articles pesés, manquants ou remplacés)"
    assert [line.description for line in supplement.lines.all()] == ["Complément : Saucisson ~300 g (330 g)"]
    assert set(Invoice.objects.filter(order=order, kind="credit_note").values_list("reason", flat=True)) == {
        "Commande annulée"
    }


def test_a_supplementary_invoice_is_not_a_new_sale_for_dac7(db):
    """A producer's heavier saucisson billed apart: the DAC7 report counts one sale with the full consideration."""
    from panier.invoicing.reports import report_dac7

    shop = factories.make_shop(selling_mode=SellingMode.MARKETPLACE)
    factories.weighed_product(shop)
    order = factories.order_paid_by_card(shop, [(3, 1)])

    pack(order, **{"Saucisson": {"weight_g": 320}})

    supplement = Invoice.objects.get(order=order, preceding_invoice__isnull=False)
    assert supplement.producer_id == supplement.preceding_invoice.producer_id == shop.producers[0].pk
    [row] = [r for r in report_dac7(year=supplement.issue_date.year).as_dicts() if r["producer_id"] == shop.producers[0].pk]
    assert row["sales"] == 1
    assert row["consideration_eur"] == Decimal("6.40")


def test_credit_note_at_packing_says_the_amount_was_not_charged(weighed_shop):
    """A missing item's credit note tells the customer it was never charged; a refund's says it was refunded."""
    from pypdf import PdfReader

    order = factories.order_paid_by_card(weighed_shop, [(0, 2), (1, 1)])
    pack(order, **{"Tomme de chèvre": {"packed_quantity": 1}})
    honey = order.lines.get(product_name="Miel de lavande")
    order_refund_credited(order_id=order.pk, reason="Pot cassé", idempotency_key="fr-1", line_ids=[honey.pk])

    packing, refund = Invoice.objects.filter(order=order, kind=DocumentKind.CREDIT_NOTE).order_by("pk")
    texts = [
        " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(invoice_document_ensure(
            invoice_id=doc.pk).pdf))).pages).split())
        for doc in (packing, refund)
    ]
    assert "Non débité" in texts[0]
    assert "Remboursé" in texts[1]
