"""The checkout API for a company: VAT number checks with stable error codes, the exempt order."""

import pytest

from panier.delivery.models import Zone, ZoneKind
from panier.invoicing.models import Invoice
from panier.orders.models import Order
from panier.payments.adapters.sandbox import sandbox_pay
from panier.payments.models import Payment
from tests.api.test_checkout import basket, checkout_body, checkout_url
from tests.rounds.servers import closed_port_url
from tests.tax.vies_server import vies_serving

AROUND_KEHL = [[48.55, 7.78], [48.55, 7.86], [48.60, 7.86], [48.60, 7.78]]
KEHL_ADDRESS = {
    "line1": "Hauptstraße 1",
    "postal_code": "77694",
    "city": "Kehl",
    "country": "DE",
    "latitude": 48.572,
    "longitude": 7.815,
}
COMPANY = {"name": "Muster GmbH", "country": "DE", "vat_number": "DE136695976"}


@pytest.fixture
def vies(settings):
    with vies_serving() as (url, asked):
        settings.PANIER_VIES_URL = url
        yield asked


@pytest.fixture
def kehl_zone(shop):
    return Zone.objects.create(hub=shop.hub, name="Kehl", kind=ZoneKind.POLYGON, polygon=AROUND_KEHL, fee_cents=300)


@pytest.mark.parametrize(
    ("company", "status", "code", "field"),
    [
        ({**COMPANY, "vat_number": "DE136695977"}, 422, "invalid_vat_number", "vat_number"),
        ({**COMPANY, "vat_number": "XX12"}, 422, "invalid_vat_number", "vat_number"),
        ({**COMPANY, "vat_number": "FR40303265045"}, 422, "invalid_vat_number", "vat_number"),
        ({**COMPANY, "vat_number": "BE0123456749", "country": "BE"}, 422, "invalid_vat_number", "vat_number"),
        ({**COMPANY, "country": "US"}, 422, "invalid_company", "company_country"),
        ({**COMPANY, "siret": "12345"}, 422, "invalid_company", "company_siret"),
        ({**COMPANY, "name": ""}, 422, "invalid_input", None),
        ({**COMPANY, "vat_number": "DE" + "1" * 30}, 422, "invalid_input", None),
    ],
)
def test_bad_company_details_get_a_stable_code(api, shop, vies, kehl_zone, company, status, code, field):
    """Malformed numbers, wrong checksums and numbers VIES refuses are 4xx with a code; nothing is ordered."""
    token = basket(api, shop, (0, 1))

    response = api.post(checkout_url(shop), checkout_body(shop, token, address=KEHL_ADDRESS, company=company))

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    if field:
        assert list(response.json()["fields"]) == [field]
    assert not Order.objects.exists()


def test_delivery_country_outside_the_eu_is_refused(api, shop):
    token = basket(api, shop, (0, 1))
    address = {"line1": "5 rue Rossini", "postal_code": "06000", "city": "Nice", "country": "CH"}

    response = api.post(checkout_url(shop), checkout_body(shop, token, address=address))

    assert (response.status_code, response.json()["code"], list(response.json()["fields"])) == (
        422,
        "invalid_contact",
        ["country"],
    )


def test_confirmed_german_company_delivered_in_germany_pays_the_net_total(
    api, shop, vies, kehl_zone, django_capture_on_commit_callbacks
):
    """The API checks the number with VIES before placing the order; payment equals the invoice total."""
    token = basket(api, shop, (0, 2), (1, 1))

    placed = api.post(checkout_url(shop), checkout_body(shop, token, address=KEHL_ADDRESS, company=COMPANY))

    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert (body["total_cents"], body["vat_treatment"]) == (2516, "intra_eu_exempt")
    payment = Payment.objects.get()
    assert payment.amount_cents == 2516
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242424242424242")
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/payments/{payment.public_id}/return")
    invoice = Invoice.objects.get()
    assert (invoice.gross_cents, invoice.vat_cents, invoice.buyer_vat_number) == (2516, 0, "DE136695976")
    assert len(vies) == 1


def test_vies_unreachable_charges_vat_through_the_api(api, shop, settings, kehl_zone):
    settings.PANIER_VIES_URL = closed_port_url()
    token = basket(api, shop, (0, 2), (1, 1))

    placed = api.post(checkout_url(shop), checkout_body(shop, token, address=KEHL_ADDRESS, company=COMPANY))

    assert placed.status_code == 201
    assert placed.json()["vat_treatment"] == "charge"
    order = Order.objects.get()
    assert (order.total_cents, order.vies_status, order.company_vat_number) == (2655, "unavailable", "DE136695976")


def _quote_url(shop, token):
    return f"/api/v1/hubs/{shop.hub.slug}/carts/{token}/quote"


def _kehl_quote(**extra):
    return {
        "fulfilment": "delivery", "postal_code": "77694", "country": "DE",
        "latitude": KEHL_ADDRESS["latitude"], "longitude": KEHL_ADDRESS["longitude"], **extra,
    }


def test_quote_for_a_confirmed_company_abroad_is_the_total_the_order_will_take(api, shop, vies, kehl_zone):
    """The quote takes the company and the delivery country: the same net total the order then charges."""
    token = basket(api, shop, (0, 2), (1, 1))

    consumer = api.post(_quote_url(shop, token), _kehl_quote()).json()
    company = api.post(_quote_url(shop, token), _kehl_quote(company=COMPANY)).json()
    placed = api.post(checkout_url(shop), checkout_body(shop, token, address=KEHL_ADDRESS, company=COMPANY)).json()

    assert (consumer["vat_treatment"], consumer["customer_country"], consumer["total_cents"]) == ("charge", "DE", 2655)
    assert (company["vat_treatment"], company["customer_country"]) == ("intra_eu_exempt", "DE")
    assert company["vat_cents"] == 0
    assert company["total_cents"] == placed["total_cents"] == 2516


def test_quote_refuses_a_bad_vat_number_and_a_country_outside_the_eu(api, shop, vies, kehl_zone):
    token = basket(api, shop, (0, 1))

    bad_number = api.post(_quote_url(shop, token), _kehl_quote(company={**COMPANY, "vat_number": "DE136695977"}))
    outside = api.post(_quote_url(shop, token), {"fulfilment": "delivery", "postal_code": "06000", "country": "CH"})

    assert (bad_number.status_code, bad_number.json()["code"]) == (422, "invalid_vat_number")
    assert (outside.status_code, outside.json()["code"]) == (422, "invalid_contact")


def test_quote_for_a_french_company_at_pickup_charges_vat(api, shop, vies):
    """A pickup at the hub is a domestic sale: VAT charged even for a company."""
    token = basket(api, shop, (0, 1))
    french = {"name": "Épicerie SARL", "country": "FR", "vat_number": "FR40303265045"}

    body = api.post(_quote_url(shop, token), {"fulfilment": "pickup", "company": french}).json()

    assert (body["vat_treatment"], body["customer_country"], body["total_cents"]) == ("charge", "FR", 650)


def test_a_local_number_is_read_in_the_delivery_country_and_errors_speak_french(api, shop, kehl_zone):
    """A German number without +49 is accepted for a delivery in Germany; contact errors follow the language."""
    token = basket(api, shop, (0, 1))
    german = {"email": "kunde@example.de", "first_name": "Jan", "last_name": "Muster", "phone": "030 12345678"}

    placed = api.post(checkout_url(shop), checkout_body(shop, token, address=KEHL_ADDRESS, contact=german))
    refused = api.post(checkout_url(shop), checkout_body(shop, token, contact={**german, "email": "nope"}))

    assert placed.status_code == 201, placed.content
    assert Order.objects.get(number=placed.json()["number"]).phone == "+493012345678"
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_contact")
    assert refused.json()["message"] == "Veuillez saisir une adresse e-mail valide."
