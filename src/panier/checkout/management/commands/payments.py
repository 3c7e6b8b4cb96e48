"""``panier payments reconcile`` and ``panier payments deliver-webhooks``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from panier.checkout.reconciliation import payments_reconcile
from panier.payments.adapters.base import ProviderError
from panier.payments.adapters.sandbox import sandbox_webhooks_deliver
from panier.payments.models import ReconciliationItem


class Command(BaseCommand):
    help = "Payment operations: reconcile pending payments with their provider; deliver sandbox notifications."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("reconcile", help="Settle payments left pending from their provider's status.")
        deliver = sub.add_parser("deliver-webhooks", help="POST the sandbox's undelivered notifications.")
        deliver.add_argument("--url", default="", help="Webhook URL (default: PANIER_SANDBOX_WEBHOOK_URL).")
        deliver.add_argument("--times", type=int, default=0, help="Send each notification this many times.")
        deliver.add_argument("--newest-first", action="store_true", help="Deliver out of order.")
        deliver.add_argument("--timeout", type=float, default=10.0, help="Seconds to wait for each answer.")

    def handle(self, *args, **options):
        if options["action"] == "deliver-webhooks":
            try:
                delivered, failed = sandbox_webhooks_deliver(
                    url=options["url"] or None, times=options["times"] or None, newest_first=options["newest_first"],
                    timeout_s=options["timeout"],
                )
            except ProviderError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"{delivered} notification(s) delivered, {failed} failed")
            if failed:
                raise CommandError("some notifications could not be delivered; they stay queued")
            return
        self._reconcile()

    def _reconcile(self):
        def progress(index: int, total: int, payment) -> None:
            self.stdout.write(f"[{index}/{total}] {payment.reference} ({payment.provider})")

        run = payments_reconcile(trigger="command", progress=progress)
        items = list(ReconciliationItem.objects.filter(run=run).select_related("payment"))
        if items:
            self.stdout.write("")
            self.stdout.write(f"{'reference':<20} {'outcome':<10} {'before':<11} {'after':<11} note")
            for item in items:
                self.stdout.write(
                    f"{item.payment.reference:<20} {item.outcome:<10} {item.from_status:<11} {item.to_status:<11} {item.note}"
                )
        self.stdout.write(
            f"\nchecked {run.checked}, settled {run.settled}, still open {run.still_open}, mismatches {run.mismatches}"
        )
