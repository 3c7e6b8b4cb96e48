"""The UN/CEFACT Cross Industry Invoice (CII D16B) of an invoice, EN 16931 profile.

This is the XML a Factur-X PDF carries and the file sent to an approved
platform (PA). It is built from the frozen rows of an issued document
only, so the same document always gives the same XML.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lxml import etree

from panier.invoicing.rules import cents, percent

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}
EN16931 = "urn:cen.eu:en16931:2017"
TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"
EXEMPTION_REASONS = {
    "E": ("VATEX-FR-FRANCHISE", "TVA non applicable, art. 293 B du CGI"),
    "K": ("VATEX-EU-IC", "Exonération de TVA, article 262 ter I du CGI"),
}


def _el(parent, ns: str, tag: str, text: str | None = None, **attrs):
    node = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = text
    return node


def _date(parent, tag: str, value, *, ns: str = UDT) -> None:
    wrapper = _el(parent, RAM, tag)
    _el(wrapper, ns, "DateTimeString", value.strftime("%Y%m%d"), format="102")


def _address(party, *, postal_code: str, line: str, city: str, country: str) -> None:
    address = _el(party, RAM, "PostalTradeAddress")
    if postal_code:
        _el(address, RAM, "PostcodeCode", postal_code)
    if line:
        _el(address, RAM, "LineOne", line[:200])
    if city:
        _el(address, RAM, "CityName", city)
    _el(address, RAM, "CountryID", country or "FR")


def deliver_to_country(invoice) -> str:
    """The country the goods were delivered to, for an intra-EU supply (category K); else empty."""
    if not any(row.get("category") == "K" for row in invoice.vat_breakdown):
        return ""
    order = invoice.order
    return (order.address_country if order is not None else "") or invoice.buyer_country


def _quantity(value) -> str:
    text = format(value.normalize(), "f")
    return text if text not in ("", "-0") else "0"


def cii_xml(invoice, lines: Sequence) -> bytes:
    """Return the CII XML (UTF-8 bytes) of an issued invoice or credit note."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, RSM, "ExchangedDocumentContext")
    guideline = _el(context, RAM, "GuidelineSpecifiedDocumentContextParameter")
    _el(guideline, RAM, "ID", EN16931)

    document = _el(root, RSM, "ExchangedDocument")
    _el(document, RAM, "ID", invoice.number)
    _el(document, RAM, "TypeCode", TYPE_CREDIT_NOTE if invoice.is_credit_note else TYPE_INVOICE)
    _date(document, "IssueDateTime", invoice.issue_date)
    for mention in filter(None, invoice.legal_mentions.splitlines()):
        note = _el(document, RAM, "IncludedNote")
        _el(note, RAM, "Content", mention)

    transaction = _el(root, RSM, "SupplyChainTradeTransaction")
    for line in lines:
        item = _el(transaction, RAM, "IncludedSupplyChainTradeLineItem")
        _el(_el(item, RAM, "AssociatedDocumentLineDocument"), RAM, "LineID", str(line.position))
        _el(_el(item, RAM, "SpecifiedTradeProduct"), RAM, "Name", line.description[:200])
        agreement = _el(item, RAM, "SpecifiedLineTradeAgreement")
        price = _el(agreement, RAM, "NetPriceProductTradePrice")
        _el(price, RAM, "ChargeAmount", _unit_price(line))
        delivery = _el(item, RAM, "SpecifiedLineTradeDelivery")
        _el(delivery, RAM, "BilledQuantity", _quantity(line.quantity), unitCode=line.unit_code)
        settlement = _el(item, RAM, "SpecifiedLineTradeSettlement")
        tax = _el(settlement, RAM, "ApplicableTradeTax")
        _el(tax, RAM, "TypeCode", "VAT")
        _el(tax, RAM, "CategoryCode", line.vat_category)
        _el(tax, RAM, "RateApplicablePercent", percent(line.rate_bp))
        summation = _el(settlement, RAM, "SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, RAM, "LineTotalAmount", cents(line.net_cents))

    agreement = _el(transaction, RAM, "ApplicableHeaderTradeAgreement")
    seller = _el(agreement, RAM, "SellerTradeParty")
    _el(seller, RAM, "Name", invoice.seller_name)
    if invoice.seller_siret:
        legal = _el(seller, RAM, "SpecifiedLegalOrganization")
        _el(legal, RAM, "ID", invoice.seller_siret[:9], schemeID="0002")
    _address(
        seller,
        postal_code=invoice.seller_postal_code,
        line=invoice.seller_address,
        city=invoice.seller_city,
        country=invoice.seller_country,
    )
    if invoice.seller_email:
        uri = _el(seller, RAM, "URIUniversalCommunication")
        _el(uri, RAM, "URIID", invoice.seller_email, schemeID="EM")
    if invoice.seller_vat_number:
        registration = _el(seller, RAM, "SpecifiedTaxRegistration")
        _el(registration, RAM, "ID", invoice.seller_vat_number, schemeID="VA")
    elif invoice.seller_siret:
        # A seller without a VAT number (franchise) is identified for tax by
        # its SIREN (BT-32), which EN 16931 BR-E-02 requires on exempt lines.
        registration = _el(seller, RAM, "SpecifiedTaxRegistration")
        _el(registration, RAM, "ID", invoice.seller_siret[:9], schemeID="FC")
    buyer = _el(agreement, RAM, "BuyerTradeParty")
    _el(buyer, RAM, "Name", invoice.buyer_name)
    _address(
        buyer,
        postal_code=invoice.buyer_postal_code,
        line=invoice.buyer_address,
        city=invoice.buyer_city,
        country=invoice.buyer_country,
    )
    if invoice.buyer_email:
        uri = _el(buyer, RAM, "URIUniversalCommunication")
        _el(uri, RAM, "URIID", invoice.buyer_email, schemeID="EM")
    if invoice.buyer_vat_number:
        registration = _el(buyer, RAM, "SpecifiedTaxRegistration")
        _el(registration, RAM, "ID", invoice.buyer_vat_number, schemeID="VA")
    order_ref = _el(agreement, RAM, "BuyerOrderReferencedDocument")
    _el(order_ref, RAM, "IssuerAssignedID", invoice.order.number)

    delivery = _el(transaction, RAM, "ApplicableHeaderTradeDelivery")
    ship_to = deliver_to_country(invoice)
    if ship_to:
        # BT-80: an intra-EU supply names the member state the goods went to.
        party = _el(delivery, RAM, "ShipToTradeParty")
        _el(_el(party, RAM, "PostalTradeAddress"), RAM, "CountryID", ship_to)
    if invoice.supply_date:
        event = _el(delivery, RAM, "ActualDeliverySupplyChainEvent")
        _date(event, "OccurrenceDateTime", invoice.supply_date)

    settlement = _el(transaction, RAM, "ApplicableHeaderTradeSettlement")
    _el(settlement, RAM, "InvoiceCurrencyCode", invoice.currency)
    line_total = sum(line.net_cents for line in lines)
    for rate in invoice.vat_breakdown:
        tax = _el(settlement, RAM, "ApplicableTradeTax")
        category = rate.get("category", "S")
        _el(tax, RAM, "CalculatedAmount", cents(rate["vat_cents"]))
        _el(tax, RAM, "TypeCode", "VAT")
        if category in EXEMPTION_REASONS:
            _el(tax, RAM, "ExemptionReason", EXEMPTION_REASONS[category][1])
        _el(tax, RAM, "BasisAmount", cents(rate["net_cents"]))
        _el(tax, RAM, "CategoryCode", category)
        if category in EXEMPTION_REASONS:
            _el(tax, RAM, "ExemptionReasonCode", EXEMPTION_REASONS[category][0])
        _el(tax, RAM, "RateApplicablePercent", percent(rate["rate_bp"]))
    terms = _el(settlement, RAM, "SpecifiedTradePaymentTerms")
    _el(terms, RAM, "Description", "Payée en ligne à la commande" if not invoice.is_credit_note else "Remboursement")
    summation = _el(settlement, RAM, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summation, RAM, "LineTotalAmount", cents(line_total))
    _el(summation, RAM, "TaxBasisTotalAmount", cents(invoice.net_cents))
    _el(summation, RAM, "TaxTotalAmount", cents(invoice.vat_cents), currencyID=invoice.currency)
    _el(summation, RAM, "GrandTotalAmount", cents(invoice.gross_cents))
    _el(summation, RAM, "TotalPrepaidAmount", cents(invoice.gross_cents))
    _el(summation, RAM, "DuePayableAmount", cents(0))
    referenced = invoice.referenced_invoice
    if referenced is not None:
        # BT-25/BT-26: the invoice a credit note corrects or a supplementary
        # invoice completes.
        reference = _el(settlement, RAM, "InvoiceReferencedDocument")
        _el(reference, RAM, "IssuerAssignedID", referenced.number)
        _date(reference, "FormattedIssueDateTime", referenced.issue_date, ns=QDT)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _unit_price(line) -> str:
    """Net price of one unit (BT-146), to four decimals; lines are priced in total."""
    if not line.quantity:
        return "0.0000"
    return format((Decimal(line.net_cents) / 100 / Decimal(line.quantity)).quantize(Decimal("0.0001")), "f")
