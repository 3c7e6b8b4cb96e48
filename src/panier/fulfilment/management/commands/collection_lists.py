"""``panier collection_lists send --hub HUB --date YYYY-MM-DD``: e-mail producers what to bring.

Run it after the day's cut-off (e.g. from cron); it sends each list once.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from panier.core.errors import PanierError
from panier.fulfilment.services import collection_lists_send
from panier.hubs.models import Hub


class Command(BaseCommand):
    help = "Collection lists. `collection_lists send --hub HUB --date D` e-mails each producer its list for day D."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send")
        send.add_argument("--hub", required=True)
        send.add_argument("--date", required=True)
        send.add_argument("--force", action="store_true", help="send even before the cut-off")

    def handle(self, *args, **options):
        hub = Hub.objects.filter(slug=options["hub"]).first()
        if hub is None:
            raise CommandError(f"no hub with slug {options['hub']!r}")
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"--date must look like 2025-06-30, not {options['date']!r}") from None
        try:
            sent = collection_lists_send(hub=hub, day=day, force=options["force"])
        except PanierError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self.stdout.write(f"{sent} collection list(s) sent for {hub.slug} on {day.isoformat()}")
