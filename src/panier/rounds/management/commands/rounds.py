"""``panier rounds plan --hub HUB --date YYYY-MM-DD``: plan a day's delivery rounds and print them."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from panier.core.errors import PanierError
from panier.hubs.models import Hub
from panier.rounds.adapters.solvers import SOLVERS
from panier.rounds.selectors import reason_text
from panier.rounds.services import rounds_plan, rounds_send_eta


def _hm(seconds: int) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


class Command(BaseCommand):
    help = "Delivery rounds. `rounds plan --hub HUB --date YYYY-MM-DD` plans a day and prints the rounds."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        plan = sub.add_parser("plan", help="Plan (or plan again) the rounds of a delivery day.")
        plan.add_argument("--hub", required=True, help="the hub's slug")
        plan.add_argument("--date", required=True, help="delivery day, YYYY-MM-DD")
        plan.add_argument("--solver", choices=sorted(SOLVERS), help="default: PANIER_ROUNDS_SOLVER")
        eta = sub.add_parser("notify-eta", help="E-mail customers their arrival window (run the evening before).")
        eta.add_argument("--hub", required=True)
        eta.add_argument("--date", required=True)

    def handle(self, *args, **options):
        hub = Hub.objects.filter(slug=options["hub"]).first()
        if hub is None:
            raise CommandError(f"no hub with slug {options['hub']!r}")
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"--date must look like 2025-06-30, not {options['date']!r}") from None
        if options["action"] == "notify-eta":
            sent = rounds_send_eta(hub=hub, day=day)
            self.stdout.write(f"{sent} arrival window e-mail(s) sent for {hub.slug} on {day.isoformat()}")
            return
        try:
            result = rounds_plan(hub=hub, day=day, solver_name=options.get("solver"))
        except PanierError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        plan, solution = result.plan, result.solution
        out = self.stdout
        out.write(f"Rounds of {hub.slug} on {day.isoformat()} — solver {plan.solver}, travel {plan.travel_source}, "
                  f"{plan.compute_ms} ms")
        for warning in plan.warnings:
            out.write(f"warning: {warning}")
        tz = hub.timezone
        for rnd in plan.rounds.select_related("vehicle").prefetch_related("stops__order").order_by("vehicle__name"):
            stops = list(rnd.stops.all())
            out.write("")
            out.write(
                f"{rnd.vehicle.name}: {len(stops)} stops, {rnd.weight_g / 1000:.1f} kg, {rnd.crates} bags, "
                f"driving {_hm(rnd.driving_s)}, {timezone.localtime(rnd.depart_at, _tz(tz)):%H:%M}–"
                f"{timezone.localtime(rnd.return_at, _tz(tz)):%H:%M}"
            )
            for s in stops:
                late = "  LATE" if s.is_late else ""
                out.write(
                    f"  {s.position:>3}. {timezone.localtime(s.eta, _tz(tz)):%H:%M}  {s.order.number:<20} "
                    f"{s.order.postal_code} {s.order.city}{late}"
                )
        out.write("")
        for u in plan.unserved:
            out.write(f"not served: {u['number']} — {reason_text(u['reason'])}")
        out.write(
            f"Total: {solution.served} stops in {len(solution.routes)} rounds, driving {_hm(solution.driving_s)}, "
            f"{len(solution.unserved)} not served"
        )


def _tz(name):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
