"""``panier reviews purge``: delete the reviews past their retention period."""

from django.core.management.base import BaseCommand

from panier.reviews import rules
from panier.reviews.services import reviews_purge_expired


class Command(BaseCommand):
    help = "Maintain reviews: purge those kept longer than the published retention period."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("purge", help=f"Delete reviews older than {rules.RETENTION_YEARS} years (safe to rerun).")

    def handle(self, *args, **options):
        self.stdout.write(f"Deleting reviews older than {rules.RETENTION_YEARS} years...")
        count = reviews_purge_expired()
        self.stdout.write(self.style.SUCCESS(f"{count} reviews deleted"))
