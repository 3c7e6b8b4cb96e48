"""``panier subscriptions run --date YYYY-MM-DD``: turn the cycles due on a
date into orders, charge them and tell the customers."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from panier.subscriptions.services import subscriptions_run


class Command(BaseCommand):
    help = "Recurring baskets: run the cycles due on a delivery date."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Place and charge the orders of the cycles due on --date.")
        run.add_argument("--date", required=True, help="Delivery date of the cycles, YYYY-MM-DD.")

    def handle(self, *args, **options) -> None:
        try:
            cycle_on = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(
                f"--date must look like 2026-05-30, not {options['date']!r}"
            ) from None

        def progress(index, total, run, subscription) -> None:
            outcome = run.status if run is not None else "error (will be retried)"
            self.stdout.write(f"[{index}/{total}] subscription {subscription.pk}: {outcome}")

        self.stdout.write(f"Running subscription cycles for {cycle_on.isoformat()}…")
        summary = subscriptions_run(cycle_on=cycle_on, progress=progress)
        total = sum(summary.values())
        parts = (
            ", ".join(f"{count} {status}" for status, count in sorted(summary.items()))
            or "nothing due"
        )
        self.stdout.write(self.style.SUCCESS(f"{total} cycle(s): {parts}"))
        if summary.get("error"):
            raise CommandError(
                f"{summary['error']} cycle(s) failed on a provider error; run again to retry them"
            )
