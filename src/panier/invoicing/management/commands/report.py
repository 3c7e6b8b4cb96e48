"""``panier report oss|vat|statements|dac7`` with ``--hub`` and ``--format csv|xlsx|json``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from panier.hubs.models import Hub
from panier.invoicing import reports, rules
from panier.tax import oss


class Command(BaseCommand):
    help = "Accounting reports from issued invoices and credit notes."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        specs = {
            "oss": ("--quarter", "Quarter, e.g. 2026Q3"),
            "vat": ("--month", "Month, e.g. 2026-11"),
            "statements": ("--month", "Month, e.g. 2026-11"),
            "dac7": ("--year", "Calendar year, e.g. 2026"),
        }
        for kind, (option, text) in specs.items():
            p = sub.add_parser(kind)
            p.add_argument(option, required=True, help=text)
            p.add_argument("--hub", help="Hub slug (all hubs when omitted)")
            p.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
            p.add_argument("--output", help="File to write (required for xlsx); standard output otherwise")

    def handle(self, *args, **options):
        hub = None
        if options.get("hub"):
            hub = Hub.objects.filter(slug=options["hub"]).first()
            if hub is None:
                raise CommandError(f"no hub {options['hub']}")
        try:
            report = self._build(options, hub)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        fmt, output = options["format"], options.get("output")
        if fmt == "xlsx":
            if not output:
                raise CommandError("--output FILE is required for xlsx")
            Path(output).write_bytes(reports.export_xlsx(report))
            self.stderr.write(f"{len(report.rows)} rows written to {output}")
            return
        text = reports.export_csv(report) if fmt == "csv" else reports.export_json(report)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
        if fmt == "csv":
            for note in report.notes:
                self.stderr.write(note)

    def _build(self, options, hub):
        kind = options["kind"]
        if kind == "oss":
            year, quarter = oss.quarter_parse(options["quarter"])
            return reports.report_oss(year=year, quarter=quarter, hub=hub)
        if kind in ("vat", "statements"):
            year, month = rules.month_parse(options["month"])
            build = reports.report_vat if kind == "vat" else reports.report_statements
            return build(year=year, month=month, hub=hub)
        text = options["year"].strip()
        if not (text.isdigit() and len(text) == 4):
            raise ValueError(f"not a year: {text!r}")
        return reports.report_dac7(year=int(text), hub=hub)
