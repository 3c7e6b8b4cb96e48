"""Accounting reports built from issued documents: OSS, VAT, statements, DAC7.

Every figure comes from issued invoices and credit notes (never from
orders), by issue date; credit notes count negative. Amounts are euros as
``Decimal`` with two places.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q

from panier.hubs.models import Hub
from panier.invoicing import rules
from panier.invoicing.errors import ReportPeriodInvalid
from panier.invoicing.models import DocumentKind, Invoice, InvoiceLine, IssuerKind
from panier.invoicing.selectors import documents_issued
from panier.orders.models import OrderLine, SellerOfRecord, TaxPlace
from panier.tax import oss


@dataclass
class Report:
    name: str
    period: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _sign(document) -> int:
    return -1 if document.kind == DocumentKind.CREDIT_NOTE else 1


def _quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def report_oss(*, year: int, quarter: int, hub: Hub | None = None) -> Report:
    """The OSS return lines of a quarter: B2C sales taxed in another member state.

    One line per seller, state of dispatch, state of consumption and rate;
    credit notes on invoices of an earlier quarter are correction lines
    labelled with that quarter (Reg. 282/2011 art. 61). Only the sales
    taxed at destination are declared: a distance sale below the EUR 10,000
    threshold carries French VAT and goes into the French return. The rates
    are the ones the order lines were taxed with.
    """
    start, end = oss.quarter_bounds(year, quarter)
    period = f"{year}Q{quarter}"
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    # Domestic and business sales are left out in SQL and only the fields the
    # return needs are read: a quarter holds tens of thousands of documents.
    documents = Invoice.objects.filter(issue_date__gte=start, issue_date__lt=end, buyer_vat_number="").exclude(
        buyer_country=F("seller_country")
    )
    destination_lines = OrderLine.objects.filter(order_id=OuterRef("order_id"), tax_place=TaxPlace.DESTINATION).filter(
        Q(seller_of_record=SellerOfRecord.HUB) | Q(producer_id=OuterRef("producer_id"))
    )
    documents = documents.filter(Exists(destination_lines))
    if hub is not None:
        documents = documents.filter(hub=hub)
    fields = ("kind", "seller_name", "seller_vat_number", "seller_country", "buyer_country",
              "credited_invoice__issue_date", "vat_breakdown")
    for kind, name, vat_number, seller_country, buyer_country, credited_on, breakdown in documents.values_list(*fields):
        sign = -1 if kind == DocumentKind.CREDIT_NOTE else 1
        original_period = period
        if credited_on is not None:
            y, q = _quarter_of(credited_on)
            original_period = f"{y}Q{q}"
        for row in breakdown:
            key = (name, vat_number, seller_country, buyer_country, rules.percent(row["rate_bp"]), original_period)
            totals[key][0] += sign * row["net_cents"]
            totals[key][1] += sign * row["vat_cents"]
    report = Report(
        name="oss",
        period=period,
        columns=[
            "seller",
            "seller_vat_number",
            "member_state_of_dispatch",
            "member_state_of_consumption",
            "rate_percent",
            "period",
            "taxable_amount_eur",
            "vat_eur",
        ],
    )
    for key in sorted(totals):
        net, vat = totals[key]
        report.rows.append([*key, euros(net), euros(vat)])
    report.notes.append(f"Return and payment due by {oss.oss_return_deadline(year, quarter).isoformat()}.")
    if not report.rows:
        report.notes.append("No OSS sale this quarter: a nil return is still due.")
    return report


def report_vat(*, year: int, month: int, hub: Hub | None = None) -> Report:
    """VAT collected in a month, per seller, rate and VAT category."""
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for document in documents_issued(hub=hub, start=start, end=end):
        sign = _sign(document)
        for row in document.vat_breakdown:
            key = (document.seller_name, document.seller_vat_number, rules.percent(row["rate_bp"]), row.get("category", "S"))
            entry = totals[key]
            entry[0 if sign > 0 else 1] += 1
            entry[2] += sign * row["net_cents"]
            entry[3] += sign * row["vat_cents"]
            entry[4] += sign * row["gross_cents"]
    report = Report(
        name="vat",
        period=f"{year}-{month:02d}",
        columns=[
            "seller",
            "seller_vat_number",
            "rate_percent",
            "vat_category",
            "invoices",
            "credit_notes",
            "net_eur",
            "vat_eur",
            "gross_eur",
        ],
    )
    for key in sorted(totals):
        invoices, notes, net, vat, gross = totals[key]
        report.rows.append([*key, invoices, notes, euros(net), euros(vat), euros(gross)])
    return report


def report_statements(*, year: int, month: int, hub: Hub | None = None) -> Report:
    """What each producer's goods brought in a month (delivery excluded), credits deducted."""
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    lines = InvoiceLine.objects.filter(
        invoice__issue_date__gte=start, invoice__issue_date__lt=end, is_delivery=False
    ).select_related("invoice", "order_line__producer", "credited_line__order_line__producer")
    if hub is not None:
        lines = lines.filter(invoice__hub=hub)
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for line in lines.order_by("pk"):
        order_line = line.order_line or (line.credited_line.order_line if line.credited_line else None)
        if order_line is None:
            continue
        producer = order_line.producer
        key = (line.invoice.hub_id, producer.pk, producer.legal_name or producer.name, producer.siret)
        entry = totals[key]
        sign = _sign(line.invoice)
        if sign > 0:
            entry[0] += int(line.quantity)
        entry[1] += sign * line.net_cents
        entry[2] += sign * (line.gross_cents - line.net_cents)
        entry[3] += sign * line.gross_cents
        if sign < 0:
            entry[4] += line.gross_cents
    report = Report(
        name="statements",
        period=f"{year}-{month:02d}",
        columns=[
            "hub_id",
            "producer_id",
            "producer",
            "siret",
            "units_sold",
            "net_eur",
            "vat_eur",
            "gross_eur",
            "credited_eur",
        ],
    )
    for key in sorted(totals):
        units, net, vat, gross, credited = totals[key]
        report.rows.append([*key, units, euros(net), euros(vat), euros(gross), euros(credited)])
    return report


def report_dac7(*, year: int, hub: Hub | None = None) -> Report:
    """The DAC7 / CGI 242 bis data of a year: per seller selling through the platform.

    Only documents issued in a producer's name count (marketplace mode);
    in reseller mode the hub is the seller and nothing is reported.
    """
    docs = documents_issued(hub=hub, start=date(year, 1, 1), end=date(year + 1, 1, 1)).filter(
        issuer_kind=IssuerKind.PRODUCER
    )
    sellers: dict[int, dict] = {}
    for document in docs:
        producer = document.producer
        entry = sellers.setdefault(
            producer.pk,
            {
                "producer": producer,
                "hub": document.hub,
                "count": [0, 0, 0, 0],
                "amount": [0, 0, 0, 0],
            },
        )
        q = (document.issue_date.month - 1) // 3
        if document.kind == DocumentKind.INVOICE and document.preceding_invoice_id is None:
            # A supplementary invoice completes a sale already counted.
            entry["count"][q] += 1
        entry["amount"][q] += _sign(document) * document.gross_cents
    columns = ["hub", "producer_id", "legal_name", "address", "postal_code", "city", "siret", "vat_number"]
    for q in range(1, 5):
        columns += [f"q{q}_sales", f"q{q}_consideration_eur", f"q{q}_fees_eur"]
    columns += ["sales", "consideration_eur", "reportable"]
    report = Report(name="dac7", period=str(year), columns=columns)
    for pk in sorted(sellers):
        entry = sellers[pk]
        producer = entry["producer"]
        sales, amount = sum(entry["count"]), sum(entry["amount"])
        row = [
            entry["hub"].slug,
            producer.pk,
            producer.legal_name or producer.name,
            producer.address,
            producer.postal_code,
            producer.city,
            producer.siret,
            producer.vat_number,
        ]
        for q in range(4):
            row += [entry["count"][q], euros(entry["amount"][q]), euros(0)]
        row += [sales, euros(amount), rules.dac7_reportable(sales=sales, consideration_cents=amount)]
        report.rows.append(row)
    report.notes.append(f"File with the DGFiP and send each reportable seller its data by {year + 1}-01-31.")
    report.notes.append(
        "Fees and commissions withheld are not recorded by Panier (0.00 here): complete them before filing. "
        "Individuals also need TIN, date of birth and financial account, collected outside Panier."
    )
    return report


def _plain(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def export_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(report.columns)
    for row in report.rows:
        writer.writerow([_plain(v) for v in row])
    return out.getvalue()


def export_json(report: Report) -> str:
    body = {
        "report": report.name,
        "period": report.period,
        "columns": report.columns,
        "rows": [{k: _plain(v) for k, v in row.items()} for row in report.as_dicts()],
        "notes": report.notes,
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def export_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{report.name} {report.period}"[:31]
    sheet.append(report.columns)
    for row in report.rows:
        sheet.append(row)
    for cells in sheet.iter_cols(min_row=2):
        for cell in cells:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    if report.notes:
        notes = workbook.create_sheet("notes")
        for note in report.notes:
            notes.append([note])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# The period each report covers, as the operator pages and the command name it.
REPORT_PERIODS = {"oss": "quarter", "vat": "month", "statements": "month", "dac7": "year"}

# What each report's chart compares: (label column, value column).
CHART_AXES = {
    "oss": ("member_state_of_consumption", "vat_eur"),
    "vat": ("rate_percent", "vat_eur"),
    "statements": ("producer", "gross_eur"),
    "dac7": ("legal_name", "consideration_eur"),
}


def default_period(kind: str, today: date) -> str:
    """The current quarter, month or year, written as the period field expects it."""
    unit = REPORT_PERIODS[kind]
    if unit == "quarter":
        return f"{today.year}Q{(today.month - 1) // 3 + 1}"
    if unit == "month":
        return f"{today.year}-{today.month:02d}"
    return str(today.year)


def report_build(*, kind: str, period: str, hub: Hub | None) -> Report:
    """Build a report from its period as typed (``2026Q3``, ``2026-10`` or ``2026``).

    A malformed period raises :class:`ReportPeriodInvalid` on the period's field.
    """
    unit = REPORT_PERIODS.get(kind)
    if unit is None:
        raise ReportPeriodInvalid(field="kind")
    text = (period or "").strip()
    try:
        if unit == "quarter":
            year, quarter = oss.quarter_parse(text)
            return report_oss(year=year, quarter=quarter, hub=hub)
        if unit == "month":
            year, month = rules.month_parse(text)
            build = report_vat if kind == "vat" else report_statements
            return build(year=year, month=month, hub=hub)
    except ValueError:
        raise ReportPeriodInvalid(field=unit) from None
    if not (text.isdigit() and len(text) == 4):
        raise ReportPeriodInvalid(field=unit)
    return report_dac7(year=int(text), hub=hub)


@dataclass
class ChartBar:
    label: str
    cents: int
    width: int  # per mille of the widest bar, 0..1000


def report_chart(report: Report) -> list[ChartBar]:
    """One bar per label of the report's chart axis (values summed), in label order."""
    label_column, value_column = CHART_AXES[report.name]
    totals: dict[str, int] = defaultdict(int)
    for row in report.as_dicts():
        totals[str(row[label_column])] += int(row[value_column] * 100)
    widest = max((abs(v) for v in totals.values()), default=0)
    return [
        ChartBar(label=label, cents=cents, width=round(abs(cents) * 1000 / widest) if widest else 0)
        for label, cents in sorted(totals.items())
    ]
