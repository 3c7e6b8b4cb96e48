"""``panier invoices issue --order N``, ``check --hub SLUG``, ``render``, ``settle [--days N]``."""

from django.core.management.base import BaseCommand, CommandError

from panier.core.errors import PanierError
from panier.hubs.models import Hub
from panier.invoicing.models import Invoice
from panier.invoicing.selectors import sequence_reports
from panier.invoicing.services import (
    documents_settle_pending,
    invoice_document_ensure,
    invoice_issue_for_order,
    invoices_issue_pending,
)
from panier.orders.models import Order


class Command(BaseCommand):
    help = "Issue the invoices of a paid order, or check a hub's series for gaps."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="Issue (idempotently) the invoices of a paid order.")
        target = issue.add_mutually_exclusive_group(required=True)
        target.add_argument("--order", help="Order number, e.g. NICE-7K3M9Q2D")
        target.add_argument("--pending", action="store_true", help="Every paid order not invoiced yet")
        check = sub.add_parser("check", help="Report gaps and repeats in every series of a hub.")
        check.add_argument("--hub", required=True, help="Hub slug")
        sub.add_parser("render", help="Render and store the PDFs not rendered yet (safe to rerun).")
        settle = sub.add_parser(
            "settle", help="Credit or bill what recent refunds, cancellations and packing left out (safe to rerun)."
        )
        settle.add_argument("--days", type=int, default=90, help="Orders paid in the last N days (default 90)")

    def handle(self, *args, **options):
        if options["action"] == "issue" and options["pending"]:
            self.stdout.write(f"{invoices_issue_pending()} orders invoiced")
            return
        if options["action"] == "issue":
            order = Order.objects.filter(number=options["order"]).first()
            if order is None:
                raise CommandError(f"no order {options['order']}")
            try:
                invoices = invoice_issue_for_order(order=order, render=False)
                for invoice in invoices:
                    invoice_document_ensure(invoice_id=invoice.pk)
            except PanierError as exc:
                raise CommandError(f"{exc.code}: {exc.message}") from exc
            for invoice in invoices:
                self.stdout.write(f"{invoice.number}\t{invoice.seller_name}\t{invoice.gross_cents / 100:.2f}")
            return
        if options["action"] == "settle":
            self.stdout.write(f"{documents_settle_pending(days=options['days'])} documents issued")
            return
        if options["action"] == "render":
            pending = list(Invoice.objects.filter(pdf__isnull=True).order_by("pk").values_list("pk", flat=True))
            for invoice_id in pending:
                invoice_document_ensure(invoice_id=invoice_id)
            self.stdout.write(f"{len(pending)} documents rendered")
            return
        hub = Hub.objects.filter(slug=options["hub"]).first()
        if hub is None:
            raise CommandError(f"no hub {options['hub']}")
        broken = False
        for sequence, report in sequence_reports(hub=hub):
            status = "ok" if report.ok else f"gaps {list(report.gaps)} repeats {list(report.duplicates)}"
            broken = broken or not report.ok
            self.stdout.write(f"{sequence.prefix}\tlast {sequence.last_number}\t{status}")
        if broken:
            raise CommandError("a series is not continuous")
