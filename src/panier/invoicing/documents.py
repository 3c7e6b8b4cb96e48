"""Rendering an issued document: PDF/A-3 with its Factur-X (EN 16931) XML.

WeasyPrint renders the HTML as PDF/A-3b; the ``factur-x`` library checks
the CII XML against the official XSD and attaches it as
``factur-x.xml``. Rendering reads only frozen rows, so it runs outside the
numbering transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation

from panier.invoicing.cii import cii_xml
from panier.invoicing.models import Invoice
from panier.invoicing.ubl import ubl_xml


@dataclass(frozen=True)
class _LineView:
    description: str
    quantity_display: str
    unit_code: str
    unit_net_display: str
    rate_bp: int
    net_cents: int
    gross_cents: int


def _line_view(line) -> _LineView:
    quantity = Decimal(line.quantity)
    unit = (Decimal(line.net_cents) / 100 / quantity).quantize(Decimal("0.0001")) if quantity else Decimal(0)
    unit_text = f"{unit:.2f}" if unit == unit.quantize(Decimal("0.01")) else f"{unit}"
    return _LineView(
        description=line.description,
        quantity_display=format(quantity.normalize(), "f"),
        unit_code=line.unit_code,
        unit_net_display=unit_text,
        rate_bp=line.rate_bp,
        net_cents=line.net_cents,
        gross_cents=line.gross_cents,
    )


def document_render(invoice: Invoice) -> tuple[bytes, bytes]:
    """Return (Factur-X PDF, CII XML) of an issued document.

    Raises an lxml/factur-x error if the XML breaks the XSD: a document
    that is not valid is never stored.
    """
    # Imported here: Pango, pypdf and fontTools weigh tens of MB that a
    # web worker only needs when it renders a document.
    import facturx
    import weasyprint

    lines = list(invoice.lines.all())
    xml = cii_xml(invoice, lines)
    facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    with translation.override(invoice.language or "fr"):
        html = render_to_string(
            "invoicing/invoice_pdf.html",
            {
                "invoice": invoice,
                "lines": [_line_view(line) for line in lines],
                "mentions": [m for m in invoice.legal_mentions.splitlines() if m],
            },
        )
    pdf = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")
    metadata = {
        "author": invoice.seller_name,
        "keywords": "Factur-X",
        "title": invoice.number,
        "subject": f"{'Avoir' if invoice.is_credit_note else 'Facture'} {invoice.number}",
    }
    facturx_pdf = facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=False,
        pdf_metadata=metadata,
        lang=invoice.language or "fr",
    )
    return facturx_pdf, xml


def document_ubl(invoice: Invoice) -> bytes:
    """Return the UBL 2.1 XML of an issued document, checked against the UBL XSD."""
    import facturx

    xml = ubl_xml(invoice, list(invoice.lines.all()))
    facturx.xml_check_xsd(xml, flavor="ubl-2.1-creditnote" if invoice.is_credit_note else "ubl-2.1-invoice")
    return xml
