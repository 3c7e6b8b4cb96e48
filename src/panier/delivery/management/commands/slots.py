"""``panier slots generate --hub HUB --weeks 4``: create the slots a hub's schedules call for."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from panier.core import clock
from panier.core.errors import PanierError
from panier.delivery.services import slots_generate
from panier.hubs.models import Hub


class Command(BaseCommand):
    help = "Delivery and pickup slots. `slots generate --hub HUB --weeks 4` creates them from the schedules."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="Create or update the slots of the coming weeks (safe to run again).")
        gen.add_argument("--hub", required=True, help="the hub's slug")
        gen.add_argument("--weeks", type=int, default=4, help="how many weeks ahead (1 to 52, default 4)")

    def handle(self, *args, **options):
        hub = Hub.objects.filter(slug=options["hub"]).first()
        if hub is None:
            raise CommandError(f"no hub with slug {options['hub']!r}")
        out = self.stdout

        def progress(done: int, total: int) -> None:
            if done == total or done % 7 == 0:
                out.write(f"  {done}/{total} days")

        out.write(f"Generating slots for {hub.slug}, {options['weeks']} week(s) ahead")
        try:
            report = slots_generate(hub=hub, weeks=options["weeks"], now=clock.now(), progress=progress)
        except PanierError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        out.write(
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.removed} removed, {len(report.kept_with_orders)} kept because they hold orders"
        )
        for key in report.kept_with_orders:
            out.write(f"  kept: {key}")
