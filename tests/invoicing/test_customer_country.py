"""The customer's country on the order drives the invoice, the OSS decision and the OSS return."""

import importlib
import uuid

from django.apps import apps

from panier.cart.services import cart_add, cart_create
from panier.checkout.services import CheckoutDetails, checkout_complete
from panier.delivery.models import Zone, ZoneKind
from panier.invoicing.reports import report_oss
from panier.invoicing.selectors import oss_decision_for_order
from panier.invoicing.services import invoice_issue_for_order
from panier.orders.models import Order, OrderStatus
from panier.orders.services import order_transition
from panier.tax import oss
from tests.invoicing.conftest import place_paid_order

AROUND_KEHL = [[48.55, 7.78], [48.55, 7.86], [48.60, 7.86], [48.60, 7.78]]


def order_to_germany(shop, **company) -> Order:
    Zone.objects.get_or_create(hub=shop.hub, name="Kehl", kind=ZoneKind.POLYGON, polygon=AROUND_KEHL, fee_cents=300)
    cart = cart_create(hub=shop.hub)
    cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=2)
    details = CheckoutDetails(
        fulfilment="delivery",
        slot_id=shop.delivery_slot.pk,
        email="kunde@example.de",
        first_name="Karl",
        last_name="Kunde",
        phone="+49 7851 123456",
        accepted_terms=True,
        address_line1="Hauptstraße 1",
        postal_code="77694",
        city="Kehl",
        country="DE",
        latitude=48.572,
        longitude=7.815,
        **company,
    )
    order = checkout_complete(hub=shop.hub, cart=cart, details=details, checkout_token=uuid.uuid4())
    return order_transition(order_id=order.pk, target=OrderStatus.PAID, note="test")


def test_consumer_in_germany_below_the_threshold_is_taxed_in_france(shop):
    """A B2C sale delivered to Germany below EUR 10,000: buyer country DE, French VAT, no OSS line."""
    order = order_to_germany(shop)
    invoices = invoice_issue_for_order(order=order, render=False)
    decision = oss_decision_for_order(order=order)
    placed = order.placed_at.date()
    report = report_oss(year=placed.year, quarter=(placed.month - 1) // 3 + 1, hub=shop.hub)

    assert (order.customer_country, order.address_country) == ("DE", "DE")
    assert [i.buyer_country for i in invoices] == ["DE"]
    assert (decision.country, decision.reason, decision.counts_toward_threshold) == (
        "FR",
        oss.Reason.BELOW_THRESHOLD,
        True,
    )
    assert decision.sale.customer_country == "DE"
    # Below the threshold the sale carries French VAT: French return, not OSS.
    assert {(line.tax_place, line.tax_country, line.tax_rate_bp) for line in order.lines.all()} == {("origin", "FR", 550)}
    assert report.rows == []


def test_company_in_germany_is_a_business_sale_outside_the_threshold(shop):
    """A customer with a VAT number (here VIES not configured: VAT charged) is left out of OSS."""
    order = order_to_germany(shop, company_name="Muster GmbH", company_country="DE", company_vat_number="DE136695976")
    invoice_issue_for_order(order=order, render=False)
    placed = order.placed_at.date()

    decision = oss_decision_for_order(order=order)

    assert (order.vat_treatment, order.vies_status, order.customer_country) == ("charge", "not_checked", "DE")
    assert decision.reason == oss.Reason.BUSINESS
    assert report_oss(year=placed.year, quarter=(placed.month - 1) // 3 + 1, hub=shop.hub).rows == []


def test_domestic_and_pickup_orders_stay_in_the_hubs_country(shop):
    delivered = place_paid_order(shop, (0, 1))
    collected = place_paid_order(shop, (0, 1), fulfilment="pickup")

    assert (delivered.customer_country, delivered.address_country) == ("FR", "FR")
    assert (collected.customer_country, collected.address_country) == ("FR", "")
    assert oss_decision_for_order(order=delivered).reason == oss.Reason.DOMESTIC


def test_existing_orders_take_their_hubs_country(shop):
    """The data migration gives orders placed before the change their hub's country."""
    shop.hub.country = "BE"
    shop.hub.save(update_fields=["country"])
    delivered = place_paid_order(shop, (0, 1))
    collected = place_paid_order(shop, (0, 1), fulfilment="pickup")
    Order.objects.update(customer_country="FR", address_country="")
    migration = importlib.import_module("panier.orders.migrations.0004_order_customer_country_and_company")

    migration.customer_country_from_hub(apps, None)

    delivered.refresh_from_db()
    collected.refresh_from_db()
    assert (delivered.customer_country, delivered.address_country) == ("BE", "BE")
    assert (collected.customer_country, collected.address_country) == ("BE", "")


def test_credit_note_of_an_exempt_invoice_stays_exempt_and_valid(shop):
    """Crediting an intra-EU invoice keeps category K, the mention and the deliver-to country."""
    from datetime import UTC, datetime

    from panier.invoicing.services import credit_note_issue, invoice_document_ensure
    from panier.tax.vat_numbers import VatNumberCheck, ViesStatus
    from tests.invoicing.schematron import schematron_errors

    check = VatNumberCheck(
        number="DE136695976", country="DE", vies_status=ViesStatus.VALID,
        checked_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC), consultation_number="WAPI1",
    )
    order = order_to_germany(
        shop, company_name="Muster GmbH", company_country="DE", company_vat_number="DE136695976", vat_check=check
    )
    invoice = invoice_issue_for_order(order=order, render=False)[0]

    note = invoice_document_ensure(invoice_id=credit_note_issue(invoice=invoice, reason="returned", render=False).pk)

    assert (order.vat_treatment, order.vies_consultation_number, order.vat_cents) == ("intra_eu_exempt", "WAPI1", 0)
    assert {line.vat_category for line in note.lines.all()} == {"K"}
    assert note.gross_cents == invoice.gross_cents == order.total_cents
    assert "262 ter I" in note.legal_mentions
    assert schematron_errors(bytes(note.xml)) == []


def test_company_without_a_vat_number_is_where_its_goods_go(shop):
    """No VAT number: the company buys like a consumer, so its pickup in France stays French."""
    cart = cart_create(hub=shop.hub)
    cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=1)
    details = CheckoutDetails(
        fulfilment="pickup", slot_id=shop.pickup_slot.pk, pickup_point_id=shop.pickup_point.pk,
        email="a@example.be", first_name="Anne", last_name="Peeters", phone="0612345678",
        accepted_terms=True, company_name="Peeters BV", company_country="BE",
    )

    order = checkout_complete(hub=shop.hub, cart=cart, details=details, checkout_token=uuid.uuid4())

    assert (order.company_name, order.customer_country, order.vat_treatment) == ("Peeters BV", "FR", "charge")
