"""The checkout API for a consumer abroad: German VAT above the OSS threshold, French VAT below."""

import pytest

from panier.invoicing.models import Invoice
from panier.orders.models import Order
from panier.payments.adapters.sandbox import sandbox_pay
from panier.payments.models import Payment
from tests.api.test_checkout import basket, checkout_body, checkout_url
from tests.api.test_company_checkout import KEHL_ADDRESS, kehl_zone  # noqa: F401 (fixture)
from tests.checkout.test_place_of_taxation import THRESHOLD, YEAR, seed_distance_sales


@pytest.mark.parametrize(
    ("this_year", "place", "rate_bp", "vat_cents"),
    [(THRESHOLD + 1, "destination", 700, 174), (THRESHOLD - 100_000, "origin", 550, 138)],
    ids=["above", "below"],
)
def test_consumer_in_germany(api, shop, kehl_zone, django_capture_on_commit_callbacks,  # noqa: F811
                             this_year, place, rate_bp, vat_cents):
    seed_distance_sales(shop, year=YEAR, net_cents=this_year)
    token = basket(api, shop, (0, 2), (1, 1))

    placed = api.post(checkout_url(shop), checkout_body(shop, token, address=KEHL_ADDRESS))

    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert (body["total_cents"], body["vat_treatment"]) == (2655, "charge")
    order = Order.objects.get(number=body["number"])
    assert {(line.tax_place, line.tax_country, line.tax_rate_bp) for line in order.lines.all()} == {
        (place, "DE" if place == "destination" else "FR", rate_bp)
    }
    assert order.vat_cents == vat_cents
    payment = Payment.objects.get(reference=order.number)
    assert payment.amount_cents == 2655
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242424242424242")
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/payments/{payment.public_id}/return")
    invoice = Invoice.objects.get(order=order)
    assert (invoice.gross_cents, invoice.vat_cents) == (2655, vat_cents)
