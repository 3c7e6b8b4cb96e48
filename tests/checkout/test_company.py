"""Buying for a company at the web checkout (CGI art. 262 ter I; compliance facts §1.5).

A German company whose VAT number VIES confirms, with the goods delivered
in Germany, buys net of VAT (reverse charge): the recap, the payment and
the invoice all carry the same net total, and the invoice the legal
mention, category K and the buyer's VAT number. A French company pays
VAT. When VIES cannot be reached, VAT is charged and the number is kept.
VIES and the address service are real HTTP servers on loopback.
"""

import facturx
import pytest
from django.core import mail
from lxml import etree

from panier.delivery.models import Zone, ZoneKind
from panier.invoicing.models import Invoice
from panier.invoicing.services import invoice_document_ensure
from panier.orders.models import Order, OrderStatus, VatTreatment
from panier.payments.models import Payment
from tests.checkout.test_views import basket_in_session, hub_url, step1, to_review, url
from tests.invoicing.schematron import schematron_errors
from tests.rounds.servers import closed_port_url, serving
from tests.tax.vies_server import vies_serving

pytestmark = pytest.mark.usefixtures("english")

KEHL = [7.8150, 48.5720]  # longitude, latitude: across the Rhine from Strasbourg
AROUND_KEHL = [[48.55, 7.78], [48.55, 7.86], [48.60, 7.86], [48.60, 7.78]]


def kehl_answer(path, query):
    feature = {"geometry": {"type": "Point", "coordinates": KEHL}, "properties": {"score": 0.9}}
    return 200, {"type": "FeatureCollection", "features": [feature]}


@pytest.fixture
def vies(settings):
    with vies_serving() as (url, asked):
        settings.PANIER_VIES_URL = url
        yield asked


@pytest.fixture
def germany(shop, settings):
    """The hub also delivers across the border, to Kehl (a drawn zone, located by the address service)."""
    Zone.objects.create(hub=shop.hub, name="Kehl", kind=ZoneKind.POLYGON, polygon=AROUND_KEHL, fee_cents=300)
    with serving(kehl_answer) as url:
        settings.PANIER_GEOCODER_URL = url
        yield


def german_company(shop, **kw):
    data = step1(
        shop,
        address_line1="Hauptstraße 1",
        postal_code="77694",
        city="Kehl",
        country="DE",
        is_company="on",
        company_name="Muster GmbH",
        company_country="DE",
        vat_number="DE 136 695 976",
    )
    data.update(kw)
    return data


def pay(client, review, django_capture_on_commit_callbacks) -> Order:
    placed = client.post(
        url("checkout:review", hub_slug=review.context["hub"].slug),
        {"checkout_token": review.context["token"], "accepted_terms": "on"},
    )
    assert placed.status_code == 302, placed.content.decode()[:2000]
    paid = client.post(placed["Location"], {"action": "pay", "card_number": "4242 4242 4242 4242"})
    with django_capture_on_commit_callbacks(execute=True):
        client.get(paid["Location"])
    return Order.objects.get()


def review_of(client, shop, data):
    response = client.post(hub_url(shop, "checkout:start"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return client.get(hub_url(shop, "checkout:review"))


def test_german_company_with_a_confirmed_number_buys_net_of_vat(
    client, shop, vies, germany, django_capture_on_commit_callbacks
):
    """Recap, payment and invoice show the same net total; the invoice is exempt (K) with the mention."""
    basket_in_session(client, shop, (0, 2), (1, 1))

    review = review_of(client, shop, german_company(shop))
    order = pay(client, review, django_capture_on_commit_callbacks)

    page = review.content.decode()
    # Goods 13.00 + 10.55 at 5.5 %: nets 12.32 + 10.00; fee 3.00 at 5.5 %: net 2.84.
    assert review.context["quote"].total_cents == 2516
    assert "€25.16" in page
    assert "Total excl. VAT" in page
    assert "Exonération de TVA, article 262 ter I du CGI" in page
    assert "reverse charge" in page
    assert vies == [
        {"countryCode": "DE", "vatNumber": "136695976", "requesterMemberStateCode": "FR", "requesterNumber": "40303265045"}
    ]
    assert order.status == OrderStatus.PAID
    assert order.vat_treatment == VatTreatment.INTRA_EU_EXEMPT
    assert (order.total_cents, order.goods_cents, order.delivery_fee_cents, order.vat_cents) == (2516, 2232, 284, 0)
    assert (order.customer_country, order.address_country) == ("DE", "DE")
    assert (order.company_name, order.company_vat_number) == ("Muster GmbH", "DE136695976")
    assert order.vies_status == "valid"
    assert order.vies_consultation_number == "WAPI136695976"
    assert order.vies_checked_at is not None
    assert sorted(line.tax_rate_bp for line in order.lines.all()) == [0, 0]
    assert Payment.objects.get().amount_cents == 2516
    email = mail.outbox[0].body
    assert "Total excl. VAT: €25.16" in email
    assert "Muster GmbH · VAT number DE136695976" in email
    assert "Exonération de TVA, article 262 ter I du CGI" in email

    invoice = invoice_document_ensure(invoice_id=Invoice.objects.get(order=order).pk)
    assert invoice.gross_cents == invoice.net_cents == 2516
    assert invoice.vat_cents == 0
    assert (invoice.buyer_name, invoice.buyer_country, invoice.buyer_vat_number) == (
        "Muster GmbH",
        "DE",
        "DE136695976",
    )
    assert "Exonération de TVA, article 262 ter I du CGI" in invoice.legal_mentions
    assert {line.vat_category for line in invoice.lines.all()} == {"K"}
    assert invoice.vat_breakdown == [
        {"rate_bp": 0, "gross_cents": 2516, "net_cents": 2516, "vat_cents": 0, "category": "K"}
    ]
    _name, xml = facturx.get_facturx_xml_from_pdf(bytes(invoice.pdf), check_xsd=True)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert schematron_errors(xml) == []
    ubl = invoice_ubl(invoice)
    assert schematron_errors(ubl, syntax="ubl") == []
    tree = etree.fromstring(xml)
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
    assert tree.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode/text()", namespaces=ns) == ["K"]
    assert tree.xpath("//ram:ExemptionReasonCode/text()", namespaces=ns) == ["VATEX-EU-IC"]
    assert tree.xpath("//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()", namespaces=ns) == ["DE136695976"]
    assert tree.xpath("//ram:ShipToTradeParty//ram:CountryID/text()", namespaces=ns) == ["DE"]


def invoice_ubl(invoice) -> bytes:
    from panier.invoicing.ubl import ubl_xml

    return ubl_xml(invoice, list(invoice.lines.all()))


def test_french_company_pays_vat_and_gets_its_number_on_the_invoice(
    client, shop, vies, django_capture_on_commit_callbacks
):
    """Domestic B2B is never reverse-charged: VAT is charged, the buyer's number is printed."""
    basket_in_session(client, shop, (0, 2), (1, 1))
    data = step1(
        shop, is_company="on", company_name="Épicerie Durand SARL", company_country="FR",
        vat_number="FR40303265045", company_siret="303 265 045",
    )

    review = review_of(client, shop, data)
    order = pay(client, review, django_capture_on_commit_callbacks)

    assert "€30.45" in review.content.decode()
    assert "Including VAT at 5.5%" in review.content.decode()
    assert order.vat_treatment == VatTreatment.CHARGE
    assert (order.total_cents, order.customer_country, order.company_siret) == (3045, "FR", "303265045")
    invoice = invoice_document_ensure(invoice_id=Invoice.objects.get(order=order).pk)
    assert (invoice.buyer_name, invoice.buyer_vat_number, invoice.buyer_country) == (
        "Épicerie Durand SARL",
        "FR40303265045",
        "FR",
    )
    assert invoice.vat_cents > 0
    assert "262 ter" not in invoice.legal_mentions
    assert {line.vat_category for line in invoice.lines.all()} == {"S"}
    assert schematron_errors(bytes(invoice.xml)) == []


def test_vies_unreachable_charges_vat_and_keeps_the_number(client, shop, germany, settings, django_capture_on_commit_callbacks):
    """The fallback: VIES down means VAT is charged, said on the recap; the number stays on the order."""
    settings.PANIER_VIES_URL = closed_port_url()
    basket_in_session(client, shop, (0, 2), (1, 1))

    review = review_of(client, shop, german_company(shop))
    order = pay(client, review, django_capture_on_commit_callbacks)

    page = review.content.decode()
    assert "could not be reached to confirm this VAT number, so VAT is charged" in page
    assert "Total incl. VAT" in page
    assert order.vat_treatment == VatTreatment.CHARGE
    assert order.vat_cents > 0
    assert (order.company_vat_number, order.vies_status, order.customer_country) == ("DE136695976", "unavailable", "DE")
    invoice = Invoice.objects.get(order=order)
    assert invoice.buyer_vat_number == "DE136695976"
    assert {line.vat_category for line in invoice.lines.all()} == {"S"}


def test_confirmed_number_with_pickup_in_france_pays_vat(client, shop, vies, django_capture_on_commit_callbacks):
    """Goods collected at the hub are not transported to the company's state: no exemption."""
    basket_in_session(client, shop, (0, 1))
    data = step1(
        shop, fulfilment="pickup", slot=str(shop.pickup_slot.pk), pickup_point=str(shop.pickup_point.pk),
        is_company="on", company_name="Muster GmbH", company_country="DE", vat_number="DE136695976",
        company_address="Hauptstraße 1, 77694 Kehl",
    )

    review = review_of(client, shop, data)
    order = pay(client, review, django_capture_on_commit_callbacks)

    assert "VAT is charged: the exemption applies only to goods delivered" in review.content.decode()
    assert order.vat_treatment == VatTreatment.CHARGE
    assert (order.customer_country, order.address_country, order.vies_status) == ("DE", "", "valid")
    invoice = Invoice.objects.get(order=order)
    assert (invoice.buyer_address, invoice.buyer_country) == ("Hauptstraße 1, 77694 Kehl", "DE")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"vat_number": "DE136695977"}, "its check digits do not match"),
        ({"vat_number": "DE12345"}, "does not have the right length"),
        ({"vat_number": "US123456789"}, "This is not an EU VAT number"),
        ({"vat_number": "GR094259216", "company_country": "GR"}, "Greek VAT numbers start with EL"),
        ({"vat_number": "FR40303265045"}, "not from the company&#x27;s country"),
        ({"company_name": ""}, "Please enter the company&#x27;s name."),
        ({"company_siret": "123"}, "This SIREN or SIRET number is not valid."),
        ({"vat_number": "BE0123456749", "company_country": "BE"}, "says this VAT number is not registered"),
    ],
)
def test_bad_company_details_are_refused_on_the_form(client, shop, vies, fields, message):
    """Malformed or wrong-checksum numbers, and numbers VIES does not know, are refused with a clear message."""
    basket_in_session(client, shop, (0, 1))

    response = client.post(hub_url(shop, "checkout:start"), german_company(shop, **fields))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Order.objects.exists()


def test_without_the_company_box_ticked_nothing_of_the_company_is_kept(client, shop, vies, django_capture_on_commit_callbacks):
    basket_in_session(client, shop, (0, 1))
    data = step1(shop, company_name="Muster GmbH", company_country="DE", vat_number="DE136695977")

    review = to_review(client, shop, **{k: v for k, v in data.items() if k not in step1(shop)})
    order = pay(client, review, django_capture_on_commit_callbacks)

    assert (order.company_name, order.company_vat_number, order.customer_country) == ("", "", "FR")
    assert vies == []
