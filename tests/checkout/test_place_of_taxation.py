"""Distance sales to consumers in other member states: origin or destination VAT (art. 59c, OSS).

The worked examples of the compliance facts (§11, vectors 6 to 8), end to
end: checkout, payment, invoice, Factur-X, OSS return.
"""

import threading
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from lxml import etree

from panier.cart.selectors import cart_view
from panier.cart.services import cart_add, cart_create
from panier.checkout.services import CheckoutDetails, checkout_complete, checkout_quote
from panier.core import clock
from panier.delivery.models import Slot, Zone, ZoneKind
from panier.hubs.models import SellingMode
from panier.inventory.models import Stock
from panier.invoicing import rules as invoicing_rules
from panier.invoicing.models import Invoice
from panier.invoicing.reports import euros, report_oss
from panier.invoicing.services import invoice_document_ensure, invoice_issue_for_order
from panier.orders.models import Order, OrderStatus
from panier.orders.services import order_transition
from panier.tax import oss
from panier.tax import rules as tax_rules
from tests import factories
from tests.invoicing.conftest import place_paid_order
from tests.invoicing.schematron import schematron_errors

THRESHOLD = oss.THRESHOLD_CENTS
AROUND_KEHL = [[48.55, 7.78], [48.55, 7.86], [48.60, 7.86], [48.60, 7.78]]
AROUND_BRUSSELS = [[50.80, 4.30], [50.80, 4.42], [50.88, 4.42], [50.88, 4.30]]
ADDRESSES = {
    "DE": dict(address_line1="Hauptstraße 1", postal_code="77694", city="Kehl", latitude=48.572, longitude=7.815),
    "BE": dict(address_line1="Rue Neuve 1", postal_code="1000", city="Bruxelles", latitude=50.846, longitude=4.352),
    "FR": dict(address_line1="5 rue Rossini", postal_code="06000", city="Nice"),
}
#: Two tommes (food) and a wine (alcohol), 37.00 € VAT included.
BASKET = ((0, 2), (2, 1))


def foreign_zones(hub):
    Zone.objects.get_or_create(hub=hub, name="Kehl", kind=ZoneKind.POLYGON, polygon=AROUND_KEHL, fee_cents=300)
    Zone.objects.get_or_create(hub=hub, name="Bruxelles", kind=ZoneKind.POLYGON, polygon=AROUND_BRUSSELS, fee_cents=300)


def seed_distance_sales(shop, *, year: int, net_cents: int, country: str = "BE") -> None:
    """Issued invoices worth ``net_cents`` of B2C sales to ``country`` in ``year`` (the running total)."""
    if not net_cents:
        return
    [template] = invoice_issue_for_order(order=place_paid_order(shop, (1, 1)), render=False)
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Invoice._meta.concrete_fields
        if f.name not in ("id", "public_id", "pdf", "xml", "number", "sequence_number", "seller_key")
    }
    number = f"SEED-{year}-{uuid.uuid4().hex[:8]}"
    fields.update(
        buyer_country=country,
        net_cents=net_cents,
        vat_cents=net_cents * 6 // 100,
        gross_cents=net_cents + net_cents * 6 // 100,
        issue_date=date(year, 1, 15),
        number=number,
        seller_key=number,
        sequence_number=90_000 + year,
    )
    Invoice.objects.create(**fields)


def consumer_order(shop, country: str, items=BASKET, *, now=None) -> Order:
    cart = cart_create(hub=shop.hub)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    details = CheckoutDetails(
        fulfilment="delivery",
        slot_id=shop.delivery_slot.pk,
        email="client@example.org",
        first_name="Claire",
        last_name="Client",
        phone="+33 6 12 34 56 78",
        accepted_terms=True,
        country=country,
        **ADDRESSES[country],
    )
    return checkout_complete(hub=shop.hub, cart=cart, details=details, checkout_token=uuid.uuid4(), now=now)


def paid(order: Order) -> Order:
    return order_transition(order_id=order.pk, target=OrderStatus.PAID, note="test")


def quarter(order: Order) -> tuple[int, int]:
    day = order.placed_at.date()
    return day.year, (day.month - 1) // 3 + 1


YEAR = clock.now().year

# (case, country, last year's total, this year's total, opted, place, food rate, alcohol rate)
CASES = [
    # Vector 6: BE consumer, 9,000 € so far (last year 7,000): the order that crosses is at destination.
    ("crossing", "BE", 700_000, THRESHOLD - 1000, False, "destination", 600, 2100),
    # Already above this year.
    ("above_this_year", "DE", 0, THRESHOLD + 1, False, "destination", 700, 1900),
    # Vector 6, next year: above last year, nothing yet this year.
    ("above_last_year", "BE", THRESHOLD + 1, 0, False, "destination", 600, 2100),
    # Vector 7: 4,000 last year, 5,000 this year: French VAT.
    ("below", "DE", 400_000, 500_000, False, "origin", 550, 2000),
    # Opted for destination taxation below the threshold.
    ("opted", "DE", 0, 0, True, "destination", 700, 1900),
    # Sales to French consumers are always French, never in OSS.
    ("domestic", "FR", THRESHOLD + 1, THRESHOLD + 1, False, "origin", 550, 2000),
]


@pytest.mark.parametrize(
    ("case", "country", "last_year", "this_year", "opted", "place", "food_bp", "alcohol_bp"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_worked_examples_end_to_end(shop, settings, case, country, last_year, this_year, opted, place, food_bp,
                                    alcohol_bp):
    foreign_zones(shop.hub)
    seed_distance_sales(shop, year=YEAR - 1, net_cents=last_year)
    seed_distance_sales(shop, year=YEAR, net_cents=this_year)
    if opted:
        shop.hub.oss_destination_option = True
        shop.hub.save(update_fields=["oss_destination_option"])

    order = paid(consumer_order(shop, country))
    [invoice] = invoice_issue_for_order(order=order, render=False)

    expected_country = country if place == "destination" else "FR"
    lines = {line.tax_category: line for line in order.lines.all()}
    assert {(line.tax_place, line.tax_country) for line in lines.values()} == {(place, expected_country)}
    assert (lines["food"].tax_rate_bp, lines["alcohol"].tax_rate_bp) == (food_bp, alcohol_bp)
    # The consumer pays the shelf price wherever the VAT is due.
    assert order.goods_cents == 2 * 650 + 2400
    assert order.total_cents == order.goods_cents + (690 if country == "FR" else 300)
    assert invoice.gross_cents == order.total_cents
    assert (invoice.net_cents, invoice.vat_cents) == (order.total_cents - order.vat_cents, order.vat_cents)
    assert {row["rate_bp"] for row in invoice.vat_breakdown} == {food_bp, alcohol_bp}
    assert {row["rate_bp"] for row in order.vat_breakdown} == {food_bp, alcohol_bp}
    for row in invoice.vat_breakdown:
        assert row["net_cents"] + row["vat_cents"] == row["gross_cents"]
        assert row["vat_cents"] == tax_rules.vat_from_gross(row["gross_cents"], row["rate_bp"])

    report = report_oss(year=quarter(order)[0], quarter=quarter(order)[1], hub=shop.hub)
    if place == "destination":
        rows = sorted((r["member_state_of_consumption"], r["rate_percent"], r["vat_eur"]) for r in report.as_dicts())
        by_rate = {row["rate_bp"]: row["vat_cents"] for row in invoice.vat_breakdown}
        assert rows == sorted(
            (country, invoicing_rules.percent(rate), euros(vat)) for rate, vat in by_rate.items()
        )
    else:
        assert report.rows == []


def test_the_sale_after_the_crossing_one_stays_at_destination(shop):
    """Vector 6: the crossing order and every later one that year, even a small one."""
    foreign_zones(shop.hub)
    seed_distance_sales(shop, year=YEAR, net_cents=THRESHOLD - 1000)

    crossing = consumer_order(shop, "BE")
    later = consumer_order(shop, "DE", items=((0, 1),))

    assert {line.tax_place for line in crossing.lines.all()} == {"destination"}
    assert [(line.tax_place, line.tax_country, line.tax_rate_bp) for line in later.lines.all()] == [
        ("destination", "DE", 700)
    ]


def test_an_order_placed_but_not_paid_counts_toward_the_threshold(shop):
    """The running total counts placed orders, so the next basket cannot slip under at origin."""
    foreign_zones(shop.hub)
    first_net = _origin_net(shop, ((0, 1),), "DE")
    seed_distance_sales(shop, year=YEAR, net_cents=THRESHOLD - first_net)

    first = consumer_order(shop, "DE", items=((0, 1),))
    second = consumer_order(shop, "DE", items=((0, 1),))

    assert [line.tax_place for line in first.lines.all()] == ["origin"]  # total exactly at the threshold
    assert [line.tax_place for line in second.lines.all()] == ["destination"]


def test_destination_invoice_is_valid_factur_x(shop):
    """A destination-taxed invoice (German rates, German consumer) passes the XSD and EN 16931 schematron."""
    import facturx

    foreign_zones(shop.hub)
    seed_distance_sales(shop, year=YEAR, net_cents=THRESHOLD + 1)
    order = paid(consumer_order(shop, "DE"))
    [invoice] = invoice_issue_for_order(order=order, render=False)

    document = invoice_document_ensure(invoice_id=invoice.pk)
    _, xml = facturx.get_facturx_xml_from_pdf(bytes(document.pdf), check_xsd=True)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert schematron_errors(xml) == []
    rates = {Decimal(e.text) for e in etree.fromstring(xml).iter("{*}RateApplicablePercent")}
    assert rates == {Decimal("7"), Decimal("19")}


def test_marketplace_each_producer_is_its_own_seller(db):
    """In marketplace mode the threshold runs per producer: one above, one below, in the same basket."""
    shop = factories.make_shop(selling_mode=SellingMode.MARKETPLACE)
    foreign_zones(shop.hub)
    cheese_maker, bee_keeper = shop.producers
    invoices = invoice_issue_for_order(order=place_paid_order(shop, (0, 1)), render=False)
    template = next(i for i in invoices if i.producer_id == cheese_maker.pk)
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Invoice._meta.concrete_fields
        if f.name not in ("id", "public_id", "pdf", "xml", "number", "sequence_number", "seller_key")
    }
    fields.update(buyer_country="BE", net_cents=THRESHOLD + 1, vat_cents=0, gross_cents=THRESHOLD + 1, number="SEED-P1", seller_key="SEED-P1",
                  sequence_number=90_001, producer_id=cheese_maker.pk)
    Invoice.objects.create(**fields)

    order = consumer_order(shop, "DE", items=((0, 1), (1, 1)))

    places = {line.producer_id: (line.tax_place, line.tax_country, line.tax_rate_bp) for line in order.lines.all()}
    assert places == {cheese_maker.pk: ("destination", "DE", 700), bee_keeper.pk: ("origin", "FR", 550)}
    assert order.total_cents == 650 + 1055 + 300



def test_marketplace_a_producer_that_opted_is_taxed_at_destination_from_the_first_euro(db):
    """The option is the producer's own: the producer who opted pays destination VAT, the other stays at origin."""
    shop = factories.make_shop(selling_mode=SellingMode.MARKETPLACE)
    foreign_zones(shop.hub)
    cheese_maker, bee_keeper = shop.producers
    cheese_maker.oss_destination_option = True
    cheese_maker.save(update_fields=["oss_destination_option"])

    order = consumer_order(shop, "DE", items=((0, 1), (1, 1)))

    places = {line.producer_id: (line.tax_place, line.tax_country, line.tax_rate_bp) for line in order.lines.all()}
    assert places == {cheese_maker.pk: ("destination", "DE", 700), bee_keeper.pk: ("origin", "FR", 550)}
    assert order.total_cents == 650 + 1055 + 300

def _origin_net(shop, items, country) -> int:
    """The net amount of a basket at French rates (what the threshold counts)."""
    cart = cart_create(hub=shop.hub)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    zone = Zone.objects.get(hub=shop.hub, name="Kehl" if country == "DE" else "Bruxelles")
    return checkout_quote(hub=shop.hub, view=cart_view(cart=cart), zone=zone).breakdown.net_cents


@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    country=st.sampled_from(sorted(tax_rules.rate_table().countries)),
    categories=st.lists(st.sampled_from(sorted(tax_rules.CATEGORIES)), min_size=1, max_size=5),
    prices=st.lists(st.integers(min_value=1, max_value=500_000), min_size=5, max_size=5),
    fee=st.integers(min_value=0, max_value=5000),
)
def test_property_destination_rates_keep_the_gross(country, categories, prices, fee):
    """Under any member state's rates: the gross is unchanged, net + VAT == gross per line and per rate."""
    on = date(YEAR, 7, 15)
    origin = [tax_rules.TaxLine(p, tax_rules.rate_bp(c)) for c, p in zip(categories, prices, strict=False)]
    destination = [
        tax_rules.TaxLine(p, tax_rules.rate_bp(c, country=country, on=on))
        for c, p in zip(categories, prices, strict=False)
    ]
    for line in destination:
        vat = tax_rules.vat_from_gross(line.gross_cents, line.rate_bp)
        assert tax_rules.net_of_vat(line.gross_cents, line.rate_bp) + vat == line.gross_cents
        assert 0 <= vat < line.gross_cents
    at_origin = tax_rules.vat_breakdown(origin, fee_cents=fee)
    at_destination = tax_rules.vat_breakdown(destination, fee_cents=fee)
    assert at_destination.gross_cents == at_origin.gross_cents == sum(p.gross_cents for p in origin) + fee
    for row in at_destination.rates:
        assert row.net_cents + row.vat_cents == row.gross_cents


def _run_together(targets):
    barrier = threading.Barrier(len(targets))
    errors = []

    def wrap(target):
        try:
            barrier.wait()
            target()
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_baskets_crossing_together_are_decided_one_after_the_other():
    """Either basket alone stays at the threshold; placed at once, the second one placed crosses it.

    The seller's row is locked while a running total below the threshold
    decides: the later order sees the earlier one and is taxed at
    destination; never both at origin.
    """
    shop = factories.make_shop()
    Stock.objects.update(remaining=1000)
    Slot.objects.update(capacity=1000)
    foreign_zones(shop.hub)
    net = _origin_net(shop, ((0, 1),), "DE")
    seed_distance_sales(shop, year=YEAR, net_cents=THRESHOLD - net)
    carts = []
    for _ in range(2):
        cart = cart_create(hub=shop.hub)
        cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=1)
        carts.append(cart)

    def place(cart):
        details = CheckoutDetails(
            fulfilment="delivery", slot_id=shop.delivery_slot.pk, email="c@example.org", first_name="C",
            last_name="C", phone="+33 6 12 34 56 78", accepted_terms=True, country="DE", **ADDRESSES["DE"],
        )
        checkout_complete(hub=shop.hub, cart=cart, details=details, checkout_token=uuid.uuid4())

    errors = _run_together([lambda c=c: place(c) for c in carts])

    assert errors == []
    orders = list(Order.objects.filter(address_country="DE").order_by("pk"))
    places = [order.lines.get().tax_place for order in orders]
    assert places == ["origin", "destination"]
