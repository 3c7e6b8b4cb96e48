"""Downloading invoices: customers their own, hub staff any of their hub's."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from panier.audit.services import audit_record
from panier.hubs import access
from panier.hubs.access import hub_access
from panier.invoicing import reports
from panier.invoicing.documents import document_ubl
from panier.invoicing.errors import InvoiceNotFound, ReportPeriodInvalid
from panier.invoicing.selectors import (
    invoice_for_customer,
    invoice_for_operator,
)
from panier.invoicing.services import invoice_document_ensure


def _attachment(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _document(invoice_id: int):
    try:
        return invoice_document_ensure(invoice_id=invoice_id)
    except InvoiceNotFound:
        raise Http404("no such invoice") from None


@require_GET
def customer_invoice_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The PDF of one of the customer's invoices (signed-in owner, or the order's key)."""
    invoice = invoice_for_customer(public_id=public_id, user=request.user, access_key=request.GET.get("key"))
    if invoice is None:
        raise Http404("no such invoice")
    invoice = _document(invoice.pk)
    audit_record(action="download", object_type="invoice", object_id=invoice.number, hub=invoice.hub,
                 request=request, fields=["pdf"])
    return _attachment(invoice.pdf, filename=invoice.filename, content_type="application/pdf")


@require_GET
@hub_access(access.INVOICES_VIEW)
def operator_invoice_download(request: HttpRequest, number: str, fmt: str, *, hub) -> HttpResponse:
    """A hub's invoice as Factur-X PDF, CII XML or UBL XML, for the hub's staff."""
    invoice = invoice_for_operator(hub=hub, number=number, user=request.user)
    if invoice is None:
        raise Http404("no such invoice")
    invoice = _document(invoice.pk)
    audit_record(action="download", object_type="invoice", object_id=invoice.number, hub=hub, request=request,
                 fields=[fmt])
    if fmt == "xml":
        return _attachment(invoice.xml, filename=f"{invoice.number}.xml", content_type="application/xml")
    if fmt == "ubl":
        xml = document_ubl(invoice)
        return _attachment(xml, filename=f"{invoice.number}.ubl.xml", content_type="application/xml")
    return _attachment(invoice.pdf, filename=invoice.filename, content_type="application/pdf")


REPORT_TITLES = {
    "oss": _("OSS return"),
    "vat": _("VAT collected"),
    "statements": _("Producer statements"),
    "dac7": _("DAC7 sellers"),
}
CHART_CAPTIONS = {
    "oss": _("VAT per member state of consumption"),
    "vat": _("VAT per rate (%)"),
    "statements": _("Sales including VAT per producer"),
    "dac7": _("Consideration per seller"),
}
PERIOD_LABELS = {"quarter": _("Quarter"), "month": _("Month"), "year": _("Year")}
PERIOD_HINTS = {"quarter": _("e.g. 2026Q3"), "month": _("e.g. 2026-10"), "year": _("e.g. 2026")}
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", lambda r: reports.export_csv(r).encode("utf-8")),
    "json": ("application/json", lambda r: reports.export_json(r).encode("utf-8")),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        reports.export_xlsx,
    ),
}


def _report_forms(today) -> list[dict]:
    return [
        {
            "kind": kind,
            "title": REPORT_TITLES[kind],
            "unit": unit,
            "label": PERIOD_LABELS[unit],
            "hint": PERIOD_HINTS[unit],
            "value": reports.default_period(kind, today),
        }
        for kind, unit in reports.REPORT_PERIODS.items()
    ]


@require_GET
@hub_access(access.REPORTS_VIEW)
def operator_reports(request: HttpRequest, *, hub) -> HttpResponse:
    """The four accounting reports of a hub, each with its period picker."""
    return render(
        request, "invoicing/operator/reports.html", {"hub": hub, "forms": _report_forms(timezone.localdate())}
    )


def _cells(report: reports.Report) -> list[list[dict]]:
    money = [column.endswith("_eur") for column in report.columns]
    rows = []
    for row in report.rows:
        cells = []
        for is_money, value in zip(money, row, strict=True):
            if is_money and isinstance(value, Decimal):
                cells.append({"cents": int(value * 100), "money": True})
            elif isinstance(value, bool):
                cells.append({"text": _("yes") if value else _("no")})
            else:
                cells.append({"text": value})
        rows.append(cells)
    return rows


@require_GET
@hub_access(access.REPORTS_VIEW)
def operator_report(request: HttpRequest, kind: str, *, hub) -> HttpResponse:
    """One report as a table and a bar chart, or as CSV, XLSX or JSON with ``?format=``."""
    unit = reports.REPORT_PERIODS[kind]
    period = request.GET.get(unit) or reports.default_period(kind, timezone.localdate())
    fmt = request.GET.get("format", "")
    context = {"hub": hub, "kind": kind, "title": REPORT_TITLES[kind], "unit": unit, "period": period,
               "label": PERIOD_LABELS[unit], "hint": PERIOD_HINTS[unit]}
    errors = []
    if fmt and fmt not in EXPORTS:
        errors.append(_("Unknown download format."))
    try:
        report = reports.report_build(kind=kind, period=period, hub=hub)
    except ReportPeriodInvalid:
        errors.insert(0, _("This period is not valid (%(hint)s).") % {"hint": PERIOD_HINTS[unit]})
        report = None
    if errors:
        return render(request, "invoicing/operator/report.html", {**context, "errors": errors}, status=400)
    audit_record(action="export" if fmt else "view", object_type=f"report_{kind}", object_id=report.period,
                 hub=hub, request=request, fields=list(report.columns), rows=len(report.rows))
    if fmt:
        content_type, export = EXPORTS[fmt]
        filename = f"{report.name}-{hub.slug}-{report.period}.{fmt}"
        return _attachment(export(report), filename=filename, content_type=content_type)
    bars = reports.report_chart(report)
    context.update(
        report=report,
        rows=_cells(report),
        bars=bars,
        chart_height=len(bars) * 28 + 8,
        chart_caption=CHART_CAPTIONS[kind],
    )
    return render(request, "invoicing/operator/report.html", context)
