"""Reports from issued documents: OSS, VAT, producer statements, DAC7 (vector 20)."""

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from panier.hubs.models import SellingMode
from panier.invoicing import reports, rules
from panier.invoicing.models import Invoice
from panier.invoicing.selectors import oss_distance_sales_cents
from panier.invoicing.services import credit_note_issue, invoice_issue_for_order
from tests import factories
from tests.invoicing.conftest import place_paid_order

NOV = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seller", "sales", "cents", "reportable"),
    [
        ("A", 29, 200_000, False),
        ("B", 30, 45_000, True),
        ("C", 4, 200_001, True),
        ("D", 0, 0, False),
    ],
)
def test_dac7_exclusion_threshold(seller, sales, cents, reportable):
    """Vector 20: under 30 sales AND at most EUR 2,000.00 is excluded; otherwise reported."""
    assert rules.dac7_reportable(sales=sales, consideration_cents=cents) is reportable, seller


@pytest.mark.parametrize("text", ["2026-13", "2026", "26-11", "2026-1x"])
def test_bad_months_are_refused(text):
    """Only YYYY-MM is a month."""
    with pytest.raises(ValueError, match="month"):
        rules.month_parse(text)


def test_vat_report_nets_credit_notes(paid_order):
    """The month's VAT per rate is invoices minus credit notes, from the documents' own totals."""
    [invoice] = invoice_issue_for_order(order=paid_order, now=NOV, render=False)
    wine = invoice.lines.get(description__startswith="Vin")
    credit_note_issue(invoice=invoice, reason="Casse", amounts={wine.pk: 2400}, now=NOV, render=False)

    report = reports.report_vat(year=2026, month=11)

    rows = {r["rate_percent"]: r for r in report.as_dicts()}
    assert rows["5.5"]["invoices"] == 1
    assert rows["5.5"]["credit_notes"] == 0
    assert rows["20"]["credit_notes"] == 1
    five = next(r for r in invoice.vat_breakdown if r["rate_bp"] == 550)
    twenty = next(r for r in invoice.vat_breakdown if r["rate_bp"] == 2000)
    assert rows["5.5"]["vat_eur"] == reports.euros(five["vat_cents"])
    assert rows["20"]["gross_eur"] == reports.euros(twenty["gross_cents"] - 2400) == Decimal("3.26")
    assert reports.report_vat(year=2026, month=10).rows == []


def _copy_to(invoice, *, buyer_country, number, sequence_number, **extra):
    fields = {
        f.attname: getattr(invoice, f.attname)
        for f in Invoice._meta.concrete_fields
        if f.name not in ("id", "public_id", "pdf", "xml", "number", "sequence_number", "buyer_country", "seller_key")
    }
    fields.update(extra)
    return Invoice.objects.create(
        **fields, buyer_country=buyer_country, number=number, sequence_number=sequence_number, seller_key=number
    )


def test_oss_report_lists_distance_sales_and_corrections(paid_order):
    """Only B2C sales to another member state appear; a credit on an earlier quarter is a correction."""
    [domestic] = invoice_issue_for_order(order=paid_order, now=NOV, render=False)
    # The copies stand for sales taxed at destination (a seller above the threshold).
    paid_order.lines.update(tax_place="destination")
    to_belgium = _copy_to(domestic, buyer_country="BE", number="X-BE-1", sequence_number=90)
    earlier = _copy_to(
        domestic,
        buyer_country="DE",
        number="X-DE-1",
        sequence_number=91,
        issue_date=datetime(2026, 3, 1).date(),
        issued_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    _copy_to(domestic, buyer_country="DE", number="X-B2B", sequence_number=92, buyer_vat_number="DE136695976")
    _copy_to(earlier, buyer_country="DE", number="AV-X-DE-1", sequence_number=93, kind="credit_note",
             credited_invoice_id=earlier.pk, issue_date=NOV.date(), issued_at=NOV)

    report = reports.report_oss(year=2026, quarter=4)

    assert [(r["member_state_of_consumption"], r["rate_percent"], r["period"]) for r in report.as_dicts()] == [
        ("BE", "20", "2026Q4"),
        ("BE", "5.5", "2026Q4"),
        ("DE", "20", "2026Q1"),
        ("DE", "5.5", "2026Q1"),
    ]
    be = {r["rate_percent"]: r for r in report.as_dicts() if r["member_state_of_consumption"] == "BE"}
    assert be["5.5"]["vat_eur"] == reports.euros(next(r["vat_cents"] for r in to_belgium.vat_breakdown if r["rate_bp"] == 550))
    de = [r for r in report.as_dicts() if r["member_state_of_consumption"] == "DE"]
    assert all(r["taxable_amount_eur"] < 0 for r in de)
    assert report.notes == ["Return and payment due by 2027-01-31."]


def test_threshold_total_counts_only_distance_sales_of_the_seller(paid_order, shop):
    """The art. 59c running total sums net B2C sales to other member states, credits deducted."""
    [domestic] = invoice_issue_for_order(order=paid_order, now=NOV, render=False)
    abroad = _copy_to(domestic, buyer_country="BE", number="X-BE-1", sequence_number=90)
    _copy_to(domestic, buyer_country="DE", number="X-B2B", sequence_number=92, buyer_vat_number="DE136695976")
    _copy_to(abroad, buyer_country="BE", number="AV-X-BE-1", sequence_number=93, kind="credit_note",
             credited_invoice_id=abroad.pk, net_cents=1000, vat_cents=55, gross_cents=1055)

    assert oss_distance_sales_cents(hub=shop.hub, year=2026) == abroad.net_cents - 1000
    assert oss_distance_sales_cents(hub=shop.hub, year=2025) == 0


def test_empty_quarter_still_needs_a_nil_return(db):
    """Vector 9: a quarter without OSS sales still has a return due."""
    report = reports.report_oss(year=2026, quarter=3)
    assert report.rows == []
    assert report.notes == [
        "Return and payment due by 2026-10-31.",
        "No OSS sale this quarter: a nil return is still due.",
    ]


def test_statements_and_dac7_in_marketplace_mode(db):
    """Each producer's goods are totalled per month; DAC7 counts its sales per quarter."""
    shop = factories.make_shop(selling_mode=SellingMode.MARKETPLACE)
    fromagerie, miellerie = shop.producers
    invoices = invoice_issue_for_order(order=place_paid_order(shop, (0, 2), (1, 1)), now=NOV, render=False)
    invoice_issue_for_order(order=place_paid_order(shop, (0, 1)), now=NOV, render=False)
    honey = next(i for i in invoices if i.producer_id == miellerie.pk)
    credit_note_issue(invoice=honey, reason="Pot cassé", now=NOV, render=False)

    statements = {r["producer_id"]: r for r in reports.report_statements(year=2026, month=11).as_dicts()}
    dac7 = {r["producer_id"]: r for r in reports.report_dac7(year=2026).as_dicts()}

    assert statements[fromagerie.pk]["units_sold"] == 3
    assert statements[fromagerie.pk]["gross_eur"] == Decimal("19.50")
    assert statements[miellerie.pk]["gross_eur"] == Decimal("0.00")
    assert statements[miellerie.pk]["credited_eur"] == Decimal("10.55")
    assert (dac7[fromagerie.pk]["q4_sales"], dac7[fromagerie.pk]["q4_consideration_eur"]) == (2, Decimal("19.50"))
    assert dac7[fromagerie.pk]["reportable"] is False
    assert (dac7[miellerie.pk]["sales"], dac7[miellerie.pk]["consideration_eur"]) == (1, Decimal("0.00"))


def test_report_command_writes_csv_json_and_xlsx(paid_order, shop, capsys, tmp_path):
    """`panier report vat --month` gives the same rows as CSV, JSON and an Excel sheet."""
    invoice_issue_for_order(order=paid_order, now=NOV, render=False)

    call_command("report", "vat", "--month", "2026-11", "--hub", shop.hub.slug)
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    call_command("report", "vat", "--month", "2026-11", "--format", "json")
    body = json.loads(capsys.readouterr().out)
    target = tmp_path / "vat.xlsx"
    call_command("report", "vat", "--month", "2026-11", "--format", "xlsx", "--output", str(target))
    sheet = load_workbook(target).active

    assert [r["rate_percent"] for r in rows] == ["20", "5.5"]
    assert [r["vat_eur"] for r in body["rows"]] == [r["vat_eur"] for r in rows]
    assert [c.value for c in sheet[1]][:3] == ["seller", "seller_vat_number", "rate_percent"]
    assert sheet.max_row == 3
    assert str(sheet.cell(row=2, column=8).value) == rows[0]["vat_eur"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["oss", "--quarter", "2026Q5"], "quarter"),
        (["vat", "--month", "11-2026"], "month"),
        (["dac7", "--year", "26"], "year"),
        (["vat", "--month", "2026-11", "--hub", "nowhere"], "no hub"),
        (["dac7", "--year", "2026", "--format", "xlsx"], "--output"),
    ],
)
def test_report_command_refuses_bad_input(db, args, message):
    """Bad periods, unknown hubs and xlsx without a file are clear errors."""
    with pytest.raises(CommandError, match=message):
        call_command("report", *args)
