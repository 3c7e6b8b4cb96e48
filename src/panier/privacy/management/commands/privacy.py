"""``panier privacy retention [--dry-run]`` and ``panier privacy newsletter``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from panier.hubs.models import Hub
from panier.privacy.services import newsletter_send, retention_run


class Command(BaseCommand):
    help = "GDPR housekeeping: erase inactive customers, stale prospects and old audit entries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        retention = sub.add_parser("retention", help="Apply the retention periods set in PANIER_RETENTION_*.")
        retention.add_argument("--dry-run", action="store_true", help="Count what would be erased, change nothing")
        news = sub.add_parser("newsletter", help="Send a newsletter to a hub's confirmed subscribers.")
        news.add_argument("--hub", required=True, help="Hub slug")
        news.add_argument("--subject", required=True)
        news.add_argument("--body-file", required=True, help="Plain-text body (UTF-8)")

    def handle(self, *args, **options):
        if options["action"] == "newsletter":
            self._newsletter(options)
            return
        dry_run = options["dry_run"]
        if dry_run:
            self.stdout.write("Dry run: nothing is changed.")
        summary = retention_run(dry_run=dry_run, progress=self.stdout.write)
        verb = "would be" if dry_run else "were"
        self.stdout.write(f"Summary ({'dry run' if dry_run else 'applied'}):")
        self.stdout.write(f"  customers erased: {summary.customers_erased} ({verb} erased)")
        self.stdout.write(f"  customers skipped (order in progress): {summary.customers_skipped_open_orders}")
        self.stdout.write(f"  guest orders anonymised: {summary.guest_orders_anonymised}")
        self.stdout.write(f"  marketing consents and prospects deleted: {summary.prospects_deleted}")
        self.stdout.write(f"  audit entries purged: {summary.audit_entries_purged}")
        for line in summary.details:
            self.stdout.write(f"    {line}")

    def _newsletter(self, options):
        hub = Hub.objects.filter(slug=options["hub"]).first()
        if hub is None:
            raise CommandError(f"no hub {options['hub']}")
        try:
            body = Path(options["body_file"]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {options['body_file']}: {exc}") from exc
        sent = newsletter_send(hub=hub, subject=options["subject"], body=body)
        self.stdout.write(f"{sent} newsletter(s) sent")
