"""Operator report pages: tables, SVG charts, CSV/XLSX/JSON downloads, bad periods, access."""

import csv
import io
import json
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from panier.checkout.services import (
    CheckoutDetails,
    checkout_complete,
    checkout_pay,
    checkout_payment_returned,
)
from panier.hubs.models import SellingMode
from panier.invoicing.models import Invoice
from panier.payments.adapters.sandbox import sandbox_pay
from tests import factories

pytestmark = pytest.mark.usefixtures("english")


def pay_order(shop, *items):
    """Place an order of ``(product index, quantity)`` and pay it with the sandbox card: issues its invoices."""
    from panier.cart.services import cart_add, cart_create

    cart = cart_create(hub=shop.hub)
    for index, qty in items:
        cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    details = CheckoutDetails(
        fulfilment="delivery",
        slot_id=shop.delivery_slot.pk,
        postal_code="06000",
        address_line1="5 rue Rossini",
        city="Nice",
        email="alice@example.org",
        first_name="Alice",
        last_name="Durand",
        phone="0612345678",
        accepted_terms=True,
    )
    order = checkout_complete(hub=shop.hub, cart=cart, details=details, checkout_token=uuid.uuid4())
    payment = checkout_pay(order=order, return_url="/return")
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    return checkout_payment_returned(payment_public_id=payment.public_id)


def copy_abroad(invoice, *, buyer_country, number, sequence_number):
    """The same invoice sold to a consumer in another member state, taxed there (above the threshold)."""
    invoice.order.lines.update(tax_place="destination", tax_country=buyer_country)
    fields = {
        f.attname: getattr(invoice, f.attname)
        for f in Invoice._meta.concrete_fields
        if f.name not in ("id", "public_id", "pdf", "xml", "number", "sequence_number", "buyer_country", "seller_key")
    }
    return Invoice.objects.create(
        **fields, buyer_country=buyer_country, number=number, sequence_number=sequence_number, seller_key=number
    )


@pytest.fixture
def issued(shop):
    """A paid order (two tommes, a honey, a wine) and its invoice, plus a copy sold to Belgium."""
    order = pay_order(shop, (0, 2), (1, 1), (2, 1))
    invoice = Invoice.objects.get(order=order)
    copy_abroad(invoice, buyer_country="BE", number="X-BE-1", sequence_number=90)
    return invoice


def quarter_of(day):
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def url(shop, kind=None):
    if kind is None:
        return reverse("invoicing:operator_reports", kwargs={"hub_slug": shop.hub.slug})
    return reverse("invoicing:operator_report", kwargs={"hub_slug": shop.hub.slug, "kind": kind})


def test_index_lists_the_four_reports_with_period_pickers(client, shop, django_assert_max_num_queries):
    """The index links each report through a GET form whose period field is prefilled."""
    factories.login_staff(client, shop.operator)

    with django_assert_max_num_queries(13):  # + 5 for the page's audit entry
        response = client.get(url(shop))

    assert response.status_code == 200
    html = response.content.decode()
    for kind, field in [("oss", "quarter"), ("vat", "month"), ("statements", "month"), ("dac7", "year")]:
        assert f'action="{url(shop, kind)}"' in html
        assert f'name="{field}"' in html


def test_oss_page_shows_the_table_and_the_chart(client, shop, issued, django_assert_max_num_queries):
    """The OSS page lists the Belgian sale per rate with money amounts and draws one bar per member state."""
    factories.login_staff(client, shop.operator)
    be_vat = sum(row["vat_cents"] for row in issued.vat_breakdown)

    with django_assert_max_num_queries(16):  # + 5 for the page's audit entry
        response = client.get(url(shop, "oss"), {"quarter": quarter_of(issued.issue_date)})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 1
    assert html.count('class="bar"') == 1
    assert "<td>BE</td>" in html
    assert "<td>5.5</td>" in html
    assert "<td>20</td>" in html
    report = response.context["report"]
    assert [(r["member_state_of_consumption"], r["rate_percent"]) for r in report.as_dicts()] == [("BE", "20"), ("BE", "5.5")]
    assert [(bar.label, bar.cents, bar.width) for bar in response.context["bars"]] == [("BE", be_vat, 1000)]
    assert "<script" not in html
    assert "VAT per member state of consumption:" in html


@pytest.mark.parametrize(
    ("kind", "field"), [("vat", "month"), ("statements", "month"), ("dac7", "year")]
)
def test_monthly_and_yearly_pages_render_with_data(db, client, kind, field, django_assert_max_num_queries):
    """VAT, statements and DAC7 pages show rows and bars for a marketplace hub's paid order."""
    shop = factories.make_shop(selling_mode=SellingMode.MARKETPLACE)
    order = pay_order(shop, (0, 2), (1, 1))
    day = Invoice.objects.filter(order=order).first().issue_date
    period = {"month": f"{day.year}-{day.month:02d}", "year": str(day.year)}[field]
    factories.login_staff(client, shop.operator)

    with django_assert_max_num_queries(16):  # + 5 for the page's audit entry
        response = client.get(url(shop, kind), {field: period})

    assert response.status_code == 200
    assert response.context["report"].rows
    assert response.context["bars"]
    assert response.content.decode().count("<rect") == len(response.context["bars"])


def test_downloads_in_three_formats(client, shop, issued, django_assert_max_num_queries):
    """CSV, XLSX and JSON carry the same rows as the page, as named attachments."""
    factories.login_staff(client, shop.operator)
    quarter = quarter_of(issued.issue_date)

    with django_assert_max_num_queries(13):  # + 5 for the page's audit entry
        as_csv = client.get(url(shop, "oss"), {"quarter": quarter, "format": "csv"})
    as_json = client.get(url(shop, "oss"), {"quarter": quarter, "format": "json"})
    as_xlsx = client.get(url(shop, "oss"), {"quarter": quarter, "format": "xlsx"})

    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv["Content-Disposition"] == f'attachment; filename="oss-{shop.hub.slug}-{quarter}.csv"'
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8"))))
    assert [(r["member_state_of_consumption"], r["rate_percent"]) for r in rows] == [("BE", "20"), ("BE", "5.5")]
    assert as_json["Content-Type"] == "application/json"
    body = json.loads(as_json.content)
    assert (body["report"], body["period"], len(body["rows"])) == ("oss", quarter, 2)
    assert [Decimal(r["vat_eur"]) for r in body["rows"]] == [Decimal(r["vat_eur"]) for r in rows]
    assert as_xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert as_xlsx["Content-Disposition"] == f'attachment; filename="oss-{shop.hub.slug}-{quarter}.xlsx"'
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][3] == "member_state_of_consumption"
    assert [row[3] for row in values[1:]] == ["BE", "BE"]


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("oss", {"quarter": "2026Q9"}, "This period is not valid (e.g. 2026Q3)."),
        ("oss", {"quarter": "abc"}, "This period is not valid (e.g. 2026Q3)."),
        ("vat", {"month": "abc"}, "This period is not valid (e.g. 2026-10)."),
        ("vat", {"month": "2026-13"}, "This period is not valid (e.g. 2026-10)."),
        ("statements", {"month": "2026-1x"}, "This period is not valid (e.g. 2026-10)."),
        ("dac7", {"year": "20x6"}, "This period is not valid (e.g. 2026)."),
        ("vat", {"month": "2026-10", "format": "pdf"}, "Unknown download format."),
    ],
)
def test_bad_periods_are_form_errors(client, shop, kind, params, message):
    """A malformed period or format answers 400 with the form and its error, never a 500."""
    factories.login_staff(client, shop.operator)

    response = client.get(url(shop, kind), params)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert f'<li class="error">{message}</li>' in html
    assert 'aria-invalid="true"' in html


def test_other_users_get_404_and_visitors_the_login_page(client, shop, issued):
    """A producer user or another hub's staff gets 404; a visitor is sent to sign in."""
    anonymous = client.get(url(shop, "oss"))
    assert anonymous.status_code == 302
    assert reverse("accounts:login") in anonymous["Location"]
    factories.login_staff(client, shop.producer_user)
    assert client.get(url(shop)).status_code == 404
    assert client.get(url(shop, "oss"), {"format": "csv"}).status_code == 404
    factories.login_staff(client, factories.make_shop().operator)
    assert client.get(url(shop, "vat")).status_code == 404


def test_superuser_reads_any_hubs_reports(client, shop, issued):
    """A superuser who is not staff of the hub still reads its reports."""
    factories.login_staff(client, factories.user(is_superuser=True, is_staff=True))

    response = client.get(url(shop, "oss"), {"quarter": quarter_of(issued.issue_date)})

    assert response.status_code == 200
    assert len(response.context["report"].rows) == 2
