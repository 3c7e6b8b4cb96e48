"""The web checkout of a German consumer from a hub above the OSS threshold: German VAT, same price."""

import pytest

from panier.invoicing.models import Invoice
from panier.orders.models import Order
from panier.payments.models import Payment
from tests.checkout.test_company import germany, review_of  # noqa: F401 (fixture)
from tests.checkout.test_place_of_taxation import THRESHOLD, YEAR, seed_distance_sales
from tests.checkout.test_views import basket_in_session, step1, url

pytestmark = pytest.mark.usefixtures("english")


def pay(client, review, django_capture_on_commit_callbacks) -> Order:
    placed = client.post(
        url("checkout:review", hub_slug=review.context["hub"].slug),
        {"checkout_token": review.context["token"], "accepted_terms": "on"},
    )
    assert placed.status_code == 302, placed.content.decode()[:2000]
    paid = client.post(placed["Location"], {"action": "pay", "card_number": "4242 4242 4242 4242"})
    with django_capture_on_commit_callbacks(execute=True):
        client.get(paid["Location"])
    return Order.objects.get(address_country="DE")


def german_consumer(shop):
    return step1(shop, address_line1="Hauptstraße 1", postal_code="77694", city="Kehl", country="DE")


@pytest.mark.parametrize(
    ("this_year", "rates"),
    [(THRESHOLD + 1, {700: (1300 + 1055 + 300, 174)}), (0, {550: (1300 + 1055 + 300, 138)})],
    ids=["above", "below"],
)
def test_recap_payment_and_invoice_agree(client, shop, germany, django_capture_on_commit_callbacks,  # noqa: F811
                                         this_year, rates):
    """Above the threshold the recap already shows German VAT; recap, payment and invoice agree to the cent."""
    seed_distance_sales(shop, year=YEAR, net_cents=this_year)
    basket_in_session(client, shop, (0, 2), (1, 1))

    review = review_of(client, shop, german_consumer(shop))
    order = pay(client, review, django_capture_on_commit_callbacks)

    quote = review.context["quote"]
    shown = {row.rate_bp: (row.gross_cents, row.vat_cents) for row in quote.breakdown.rates}
    assert shown == rates
    assert quote.total_cents == order.total_cents == Payment.objects.get(reference=order.number).amount_cents == 2655
    assert order.vat_breakdown == quote.breakdown.as_list()
    invoice = Invoice.objects.get(order=order)
    assert {row["rate_bp"]: (row["gross_cents"], row["vat_cents"]) for row in invoice.vat_breakdown} == rates
    assert invoice.gross_cents == 2655
