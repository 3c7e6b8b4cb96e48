"""The OASIS UBL 2.1 Invoice or CreditNote of an issued document (EN 16931).

The same frozen rows as the CII, in the other syntax of the French base set
(compliance facts §3.4), for platforms that prefer UBL.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lxml import etree

from panier.invoicing.cii import (
    EN16931,
    EXEMPTION_REASONS,
    TYPE_CREDIT_NOTE,
    TYPE_INVOICE,
    deliver_to_country,
)
from panier.invoicing.rules import cents, percent

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def _el(parent, ns: str, tag: str, text: str | None = None, **attrs):
    node = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = text
    return node


def _amount(parent, tag: str, value: int, currency: str) -> None:
    _el(parent, CBC, tag, cents(value), currencyID=currency)


def _tax_category(parent, tag: str, *, category: str, rate_bp: int, with_reason: bool) -> None:
    node = _el(parent, CAC, tag)
    _el(node, CBC, "ID", category)
    _el(node, CBC, "Percent", percent(rate_bp))
    if with_reason and category in EXEMPTION_REASONS:
        _el(node, CBC, "TaxExemptionReasonCode", EXEMPTION_REASONS[category][0])
        _el(node, CBC, "TaxExemptionReason", EXEMPTION_REASONS[category][1])
    _el(_el(node, CAC, "TaxScheme"), CBC, "ID", "VAT")


def _party(parent, tag: str, *, name, address, postal_code, city, country, vat_number, siret, email) -> None:
    party = _el(_el(parent, CAC, tag), CAC, "Party")
    if email:
        _el(party, CBC, "EndpointID", email, schemeID="EM")
    postal = _el(party, CAC, "PostalAddress")
    if address:
        _el(postal, CBC, "StreetName", address[:200])
    if city:
        _el(postal, CBC, "CityName", city)
    if postal_code:
        _el(postal, CBC, "PostalZone", postal_code)
    _el(_el(postal, CAC, "Country"), CBC, "IdentificationCode", country or "FR")
    if vat_number:
        scheme = _el(party, CAC, "PartyTaxScheme")
        _el(scheme, CBC, "CompanyID", vat_number)
        _el(_el(scheme, CAC, "TaxScheme"), CBC, "ID", "VAT")
    elif siret and tag == "AccountingSupplierParty":
        scheme = _el(party, CAC, "PartyTaxScheme")
        _el(scheme, CBC, "CompanyID", siret[:9])
        _el(_el(scheme, CAC, "TaxScheme"), CBC, "ID", "FC")
    legal = _el(party, CAC, "PartyLegalEntity")
    _el(legal, CBC, "RegistrationName", name)
    if siret:
        _el(legal, CBC, "CompanyID", siret[:9], schemeID="0002")


def _quantity(value) -> str:
    return format(Decimal(value).normalize(), "f")


def _unit_price(line) -> str:
    if not line.quantity:
        return "0.0000"
    return format((Decimal(line.net_cents) / 100 / Decimal(line.quantity)).quantize(Decimal("0.0001")), "f")


def ubl_xml(invoice, lines: Sequence) -> bytes:
    """Return the UBL 2.1 XML (UTF-8 bytes) of an issued invoice or credit note."""
    credit = invoice.is_credit_note
    root_ns = CREDIT_NOTE_NS if credit else INVOICE_NS
    root = etree.Element(f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}", nsmap={None: root_ns, "cac": CAC, "cbc": CBC})
    currency = invoice.currency
    _el(root, CBC, "CustomizationID", EN16931)
    _el(root, CBC, "ID", invoice.number)
    _el(root, CBC, "IssueDate", invoice.issue_date.isoformat())
    _el(root, CBC, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", TYPE_CREDIT_NOTE if credit else TYPE_INVOICE)
    for mention in filter(None, invoice.legal_mentions.splitlines()):
        _el(root, CBC, "Note", mention)
    _el(root, CBC, "DocumentCurrencyCode", currency)
    _el(_el(root, CAC, "OrderReference"), CBC, "ID", invoice.order.number)
    referenced = invoice.referenced_invoice
    if referenced is not None:
        reference = _el(_el(root, CAC, "BillingReference"), CAC, "InvoiceDocumentReference")
        _el(reference, CBC, "ID", referenced.number)
        _el(reference, CBC, "IssueDate", referenced.issue_date.isoformat())
    _party(
        root,
        "AccountingSupplierParty",
        name=invoice.seller_name,
        address=invoice.seller_address,
        postal_code=invoice.seller_postal_code,
        city=invoice.seller_city,
        country=invoice.seller_country,
        vat_number=invoice.seller_vat_number,
        siret=invoice.seller_siret,
        email=invoice.seller_email,
    )
    _party(
        root,
        "AccountingCustomerParty",
        name=invoice.buyer_name,
        address=invoice.buyer_address,
        postal_code=invoice.buyer_postal_code,
        city=invoice.buyer_city,
        country=invoice.buyer_country,
        vat_number=invoice.buyer_vat_number,
        siret="",
        email=invoice.buyer_email,
    )
    ship_to = deliver_to_country(invoice)
    if invoice.supply_date or ship_to:
        delivery = _el(root, CAC, "Delivery")
        if invoice.supply_date:
            _el(delivery, CBC, "ActualDeliveryDate", invoice.supply_date.isoformat())
        if ship_to:
            address = _el(_el(delivery, CAC, "DeliveryLocation"), CAC, "Address")
            _el(_el(address, CAC, "Country"), CBC, "IdentificationCode", ship_to)
    _el(_el(root, CAC, "PaymentTerms"), CBC, "Note", "Remboursement" if credit else "Payée en ligne à la commande")
    tax_total = _el(root, CAC, "TaxTotal")
    _amount(tax_total, "TaxAmount", invoice.vat_cents, currency)
    for rate in invoice.vat_breakdown:
        subtotal = _el(tax_total, CAC, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", rate["net_cents"], currency)
        _amount(subtotal, "TaxAmount", rate["vat_cents"], currency)
        _tax_category(subtotal, "TaxCategory", category=rate.get("category", "S"), rate_bp=rate["rate_bp"], with_reason=True)
    totals = _el(root, CAC, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", sum(line.net_cents for line in lines), currency)
    _amount(totals, "TaxExclusiveAmount", invoice.net_cents, currency)
    _amount(totals, "TaxInclusiveAmount", invoice.gross_cents, currency)
    _amount(totals, "PrepaidAmount", invoice.gross_cents, currency)
    _amount(totals, "PayableAmount", 0, currency)
    for line in lines:
        item_line = _el(root, CAC, "CreditNoteLine" if credit else "InvoiceLine")
        _el(item_line, CBC, "ID", str(line.position))
        _el(item_line, CBC, "CreditedQuantity" if credit else "InvoicedQuantity", _quantity(line.quantity), unitCode=line.unit_code)
        _amount(item_line, "LineExtensionAmount", line.net_cents, currency)
        item = _el(item_line, CAC, "Item")
        _el(item, CBC, "Name", line.description[:200])
        _tax_category(item, "ClassifiedTaxCategory", category=line.vat_category, rate_bp=line.rate_bp, with_reason=False)
        _el(_el(item_line, CAC, "Price"), CBC, "PriceAmount", _unit_price(line), currencyID=currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
