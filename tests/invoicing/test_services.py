"""Issuing invoices and credit notes (compliance facts §0, §3.3, vector 16)."""

import io
from datetime import UTC, datetime

import facturx
import pypdf
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from panier.hubs.models import SellingMode, VatRegime
from panier.invoicing.cii import cii_xml
from panier.invoicing.documents import document_ubl
from panier.invoicing.errors import CreditExceedsInvoice, InvoiceImmutable, OrderNotInvoiceable
from panier.invoicing.models import DocumentKind, Invoice, InvoiceLine, NumberSequence
from panier.invoicing.selectors import sequence_reports
from panier.invoicing.services import (
    credit_note_issue,
    credit_notes_issue_for_order,
    invoice_document_ensure,
    invoice_issue_for_order,
)
from panier.orders.models import OrderStatus
from panier.orders.services import order_transition
from tests import factories
from tests.invoicing.conftest import place_paid_order

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


def test_reseller_order_gets_one_invoice_from_the_hub_matching_the_order(paid_order, shop):
    """In reseller mode the hub invoices everything, delivery included, with the order's VAT per rate."""
    [invoice] = invoice_issue_for_order(order=paid_order, now=NOW, render=False)

    assert invoice.number == f"{shop.hub.slug.upper()}-2026-000001"
    assert (invoice.issuer_kind, invoice.producer, invoice.seller_name) == ("hub", None, shop.hub.legal_name)
    assert invoice.gross_cents == paid_order.total_cents == 2 * 650 + 1055 + 2400 + 690
    assert invoice.vat_cents == paid_order.vat_cents
    assert [
        {k: r[k] for k in ("rate_bp", "gross_cents", "net_cents", "vat_cents")} for r in invoice.vat_breakdown
    ] == paid_order.vat_breakdown
    lines = list(invoice.lines.all())
    assert [(ln.description, ln.gross_cents) for ln in lines][:3] == [
        ("Tomme de chèvre 500 g", 1300),
        ("Miel de lavande 500 g", 1055),
        ("Vin rouge 500 g", 2400),
    ]
    assert sum(ln.gross_cents for ln in lines if ln.is_delivery) == 690
    assert sum(ln.net_cents for ln in lines) == invoice.net_cents
    assert invoice.issue_date.isoformat() == "2026-11-24"
    assert invoice.buyer_name == "Alice Durand"


def test_issuing_twice_returns_the_same_invoices(paid_order):
    """The service is idempotent: a retry takes no new number."""
    first = invoice_issue_for_order(order=paid_order, render=False)
    second = invoice_issue_for_order(order=paid_order, render=False)

    assert [i.pk for i in first] == [i.pk for i in second]
    assert NumberSequence.objects.get().last_number == 1


def test_an_unpaid_order_is_not_invoiced(shop):
    """An order waiting for payment gets no invoice and takes no number."""
    order = place_paid_order(shop, (0, 1), paid=False)

    with pytest.raises(OrderNotInvoiceable):
        invoice_issue_for_order(order=order)
    assert not NumberSequence.objects.exists()


def test_marketplace_order_is_invoiced_by_each_producer_and_the_hub_for_delivery(db):
    """In marketplace mode each producer invoices its goods (billing mandate); the hub invoices delivery."""
    shop = factories.make_shop(selling_mode=SellingMode.MARKETPLACE)
    fromagerie, miellerie = shop.producers
    miellerie.vat_regime = VatRegime.FRANCHISE
    miellerie.save()
    order = place_paid_order(shop, (0, 2), (1, 1), (2, 1))

    invoices = invoice_issue_for_order(order=order, now=NOW, render=False)

    by_seller = {i.seller_key: i for i in invoices}
    code = shop.hub.slug.upper()
    assert set(by_seller) == {"hub", f"producer:{fromagerie.pk}", f"producer:{miellerie.pk}"}
    hub_invoice = by_seller["hub"]
    assert [(ln.description, ln.rate_bp, ln.gross_cents) for ln in hub_invoice.lines.all()] == [("Livraison", 2000, 690)]
    cheese = by_seller[f"producer:{fromagerie.pk}"]
    assert cheese.number == f"{code}-P{fromagerie.pk}-2026-000001"
    assert (cheese.seller_name, cheese.on_behalf_of) == (fromagerie.legal_name, shop.hub.legal_name)
    assert "mandat de facturation" in cheese.legal_mentions
    assert (cheese.gross_cents, cheese.vat_cents) == (1300, 68)
    honey = by_seller[f"producer:{miellerie.pk}"]
    assert (honey.gross_cents, honey.vat_cents) == (1055 + 2400, 0)
    assert "art. 293 B du CGI" in honey.legal_mentions
    assert {ln.vat_category for ln in honey.lines.all()} == {"E"}
    assert sum(i.gross_cents for i in invoices) == order.total_cents
    for invoice in invoices:
        assert facturx.xml_check_xsd(invoice_document_ensure(invoice_id=invoice.pk).xml, flavor="factur-x", level="en16931")


def test_issued_documents_cannot_be_changed_or_deleted(paid_order):
    """An issued invoice refuses edits and deletes, one by one or in bulk; its lines too."""
    [invoice] = invoice_issue_for_order(order=paid_order, render=False)
    line = invoice.lines.first()

    invoice.buyer_name = "Someone else"
    with pytest.raises(InvoiceImmutable):
        invoice.save()
    with pytest.raises(InvoiceImmutable):
        invoice.delete()
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.filter(pk=invoice.pk).delete()
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.filter(pk=invoice.pk).update(gross_cents=0)
    with pytest.raises(InvoiceImmutable):
        line.save()
    with pytest.raises(InvoiceImmutable):
        InvoiceLine.objects.filter(pk=line.pk).delete()
    assert Invoice.objects.get(pk=invoice.pk).buyer_name == "Alice Durand"


def test_cancelled_invoice_gets_a_credit_note_and_numbering_continues(shop):
    """Vector 16: 000123, 000124; cancelling 124 → AV-…-000017 referencing it; next invoice 000125."""
    code = shop.hub.slug.upper()
    NumberSequence.objects.create(hub=shop.hub, prefix=f"{code}-2026-", last_number=122)
    NumberSequence.objects.create(hub=shop.hub, prefix=f"AV-{code}-2026-", last_number=16)
    [first] = invoice_issue_for_order(order=place_paid_order(shop, (0, 1)), now=NOW, render=False)
    order = place_paid_order(shop, (1, 1))
    [second] = invoice_issue_for_order(order=order, now=NOW, render=False)

    order_transition(order_id=order.pk, target=OrderStatus.CANCELLED)
    [note] = credit_notes_issue_for_order(order=order, reason="Commande annulée", now=NOW)
    [third] = invoice_issue_for_order(order=place_paid_order(shop, (0, 1)), now=NOW, render=False)

    assert [first.number, second.number, third.number] == [f"{code}-2026-000{n}" for n in (123, 124, 125)]
    assert note.number == f"AV-{code}-2026-000017"
    assert (note.kind, note.credited_invoice, note.gross_cents) == (DocumentKind.CREDIT_NOTE, second, second.gross_cents)
    assert note.vat_cents == second.vat_cents
    note = invoice_document_ensure(invoice_id=note.pk)
    tree = etree.fromstring(bytes(note.xml))
    assert tree.findtext(f".//{RAM}TypeCode") == "381"
    assert tree.findtext(f".//{RAM}InvoiceReferencedDocument/{RAM}IssuerAssignedID") == second.number
    assert credit_notes_issue_for_order(order=order, reason="again") == []


def test_partial_credits_stop_at_what_was_invoiced(paid_order):
    """A refund of part of a line is credited; asking for more than is left is refused."""
    [invoice] = invoice_issue_for_order(order=paid_order, render=False)
    wine = invoice.lines.get(description__startswith="Vin")

    first = credit_note_issue(invoice=invoice, reason="Bouteille cassée", amounts={wine.pk: 1000}, render=False)
    with pytest.raises(CreditExceedsInvoice):
        credit_note_issue(invoice=invoice, reason="Trop", amounts={wine.pk: 1401}, render=False)
    rest = credit_note_issue(invoice=invoice, reason="Reste", render=False)

    assert (first.gross_cents, first.vat_cents) == (1000, 167)
    assert first.gross_cents + rest.gross_cents == invoice.gross_cents
    assert first.vat_cents + rest.vat_cents == invoice.vat_cents
    with pytest.raises(CreditExceedsInvoice):
        credit_note_issue(invoice=invoice, reason="Rien", render=False)


def test_two_hubs_run_independent_series(shop, db):
    """Vector 16: each hub's series starts at 1 and continues on its own."""
    other = factories.make_shop()
    a = invoice_issue_for_order(order=place_paid_order(shop, (0, 1)), render=False)[0]
    b = invoice_issue_for_order(order=place_paid_order(other, (0, 1)), render=False)[0]
    c = invoice_issue_for_order(order=place_paid_order(shop, (1, 1)), render=False)[0]

    assert (a.sequence_number, b.sequence_number, c.sequence_number) == (1, 1, 2)
    assert a.sequence != b.sequence


def test_factur_x_pdf_is_pdf_a3_with_the_valid_xml_attached(paid_order):
    """The PDF is PDF/A-3B, carries factur-x.xml, and that XML passes the EN 16931 XSD."""
    [invoice] = invoice_issue_for_order(order=paid_order, render=False)

    invoice = invoice_document_ensure(invoice_id=invoice.pk)

    pdf = bytes(invoice.pdf)
    assert pdf.startswith(b"%PDF-")
    filename, xml = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == bytes(invoice.xml)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert facturx.get_level(etree.fromstring(xml)) == "en16931"
    catalog = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    xmp = catalog["/Metadata"].get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "/OutputIntents" in catalog
    assert "/AF" in catalog
    tree = etree.fromstring(xml)
    assert tree.findtext(f".//{RAM}GrandTotalAmount") == "54.45"
    assert tree.findtext(f".//{RAM}DuePayableAmount") == "0.00"
    assert invoice_document_ensure(invoice_id=invoice.pk).pdf == invoice.pdf


def test_series_check_reports_a_missing_number(paid_order, shop):
    """A number taken but with no document is reported as a gap by the integrity check."""
    invoice_issue_for_order(order=paid_order, render=False)
    NumberSequence.objects.filter(hub=shop.hub).update(last_number=2)

    [(sequence, report)] = sequence_reports(hub=shop.hub)

    assert report.gaps == (2,)
    with pytest.raises(CommandError, match="not continuous"):
        call_command("invoices", "check", "--hub", shop.hub.slug)


def test_issue_command_prints_the_numbers(paid_order, shop, capsys):
    """`panier invoices issue --order N` issues and renders the invoices of a paid order."""
    call_command("invoices", "issue", "--order", paid_order.number)

    out = capsys.readouterr().out
    assert out.startswith(f"{shop.hub.slug.upper()}-")
    assert "54.45" in out
    assert Invoice.objects.get().pdf is not None
    with pytest.raises(CommandError, match="no order"):
        call_command("invoices", "issue", "--order", "NOPE")


def test_documents_pass_the_en16931_schematron(db):
    """Invoices (hub, producer, franchise producer) and a credit note, as CII and UBL, break no EN 16931 rule."""
    from tests.invoicing.schematron import schematron_errors

    shop = factories.make_shop(selling_mode=SellingMode.MARKETPLACE)
    shop.producers[0].siret = "73282932000074"
    shop.producers[0].save()
    shop.producers[1].vat_regime = VatRegime.FRANCHISE
    shop.producers[1].siret = "30326504500012"
    shop.producers[1].save()
    invoices = invoice_issue_for_order(order=place_paid_order(shop, (0, 3), (1, 1), (2, 2)), now=NOW, render=False)
    partial = credit_note_issue(
        invoice=invoices[1], reason="Casse", amounts={invoices[1].lines.first().pk: 333}, now=NOW, render=False
    )
    reseller = factories.make_shop()
    [whole] = invoice_issue_for_order(order=place_paid_order(reseller, (0, 7), (1, 3), (2, 1)), now=NOW, render=False)

    for document in [*invoices, partial, whole]:
        xml = cii_xml(document, list(document.lines.all()))
        assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
        assert schematron_errors(xml) == [], document.number
        ubl = document_ubl(document)
        assert schematron_errors(ubl, syntax="ubl") == [], document.number
    bad = xml.replace(b"<ram:DuePayableAmount>0.00<", b"<ram:DuePayableAmount>1.00<")
    assert any("BR-CO-16" in e for e in schematron_errors(bad))


def test_render_command_renders_pending_documents(paid_order, capsys):
    """`panier invoices render` stores the PDFs of documents issued without one, once."""
    [invoice] = invoice_issue_for_order(order=paid_order, render=False)

    call_command("invoices", "render")
    call_command("invoices", "render")

    assert capsys.readouterr().out.splitlines() == ["1 documents rendered", "0 documents rendered"]
    assert Invoice.objects.get(pk=invoice.pk).pdf is not None


def test_pdf_is_rendered_after_commit(paid_order, django_capture_on_commit_callbacks):
    """Issuing inside a transaction renders and stores the PDF once the transaction commits."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [invoice] = invoice_issue_for_order(order=paid_order)
        assert Invoice.objects.get(pk=invoice.pk).pdf is None

    assert len(callbacks) == 1
    assert bytes(Invoice.objects.get(pk=invoice.pk).pdf).startswith(b"%PDF-")


def test_pending_sweep_invoices_paid_orders_once(shop, capsys):
    """`panier invoices issue --pending` invoices paid orders without an invoice, and only them."""
    paid = place_paid_order(shop, (0, 1))
    place_paid_order(shop, (1, 1), paid=False)
    done = place_paid_order(shop, (0, 1))
    invoice_issue_for_order(order=done, render=False)

    call_command("invoices", "issue", "--pending")
    call_command("invoices", "issue", "--pending")

    assert capsys.readouterr().out.splitlines() == ["1 orders invoiced", "0 orders invoiced"]
    assert Invoice.objects.filter(order=paid).count() == 1
    assert Invoice.objects.count() == 2
