"""`panier traffic`: the protections from the command line.

    panier traffic status
    panier traffic waiting-room on|off|auto
    panier traffic geo --hub nice --country US --action interstitial \
        [--other-site-url https://… --other-site-label "…" --delivery-area "…"]
    panier traffic geo --hub nice --clear
"""

from django.core.management.base import BaseCommand, CommandError

from panier.hubs.models import Hub
from panier.traffic.geoip import geoip_get
from panier.traffic.models import AdmissionMode, CountryRule, GeoAction, HubGeoPolicy
from panier.traffic.services import admission_mode_set, traffic_figures


class Command(BaseCommand):
    help = "Show or change the traffic protections (waiting room, geo policy)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status")
        room = sub.add_parser("waiting-room")
        room.add_argument("mode", choices=["on", "off", "auto"])
        geo = sub.add_parser("geo")
        geo.add_argument("--hub", required=True)
        geo.add_argument("--country", help="ISO 3166 alpha-2 code, e.g. US")
        geo.add_argument("--action", dest="geo_action", choices=GeoAction.values)
        geo.add_argument("--default", choices=GeoAction.values, help="action for countries not listed")
        geo.add_argument("--other-site-url", default=None)
        geo.add_argument("--other-site-label", default=None)
        geo.add_argument("--delivery-area", default=None)
        geo.add_argument("--clear", action="store_true", help="remove the hub's policy")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "status":
            figures = traffic_figures()
            self.stdout.write(f"waiting room: {figures.mode}, queue {figures.queue_length}")
            self.stdout.write(f"geoip: {type(geoip_get()).__name__}")
            for event, (now, previous) in figures.per_minute.items():
                self.stdout.write(f"  {event:14s} {now:6d} this minute, {previous:6d} previous")
            for policy in HubGeoPolicy.objects.select_related("hub").prefetch_related("rules"):
                rules = ", ".join(f"{r.country}={r.action}" for r in policy.rules.all()) or "-"
                self.stdout.write(f"geo {policy.hub.slug}: default {policy.default_action}; {rules}")
            return
        if action == "waiting-room":
            mode = {"on": AdmissionMode.FORCED_ON, "off": AdmissionMode.OFF, "auto": AdmissionMode.AUTO}[options["mode"]]
            admission_mode_set(mode=mode)
            self.stdout.write(self.style.SUCCESS(f"waiting room: {mode}"))
            return
        hub = Hub.objects.filter(slug=options["hub"]).first()
        if hub is None:
            raise CommandError(f"no hub with the slug {options['hub']!r}")
        if options["clear"]:
            HubGeoPolicy.objects.filter(hub=hub).delete()
            self.stdout.write(self.style.SUCCESS(f"geo policy of {hub.slug} removed"))
            return
        policy, _ = HubGeoPolicy.objects.get_or_create(hub=hub)
        for field in ("other_site_url", "other_site_label", "delivery_area"):
            if options[field] is not None:
                setattr(policy, field, options[field])
        if options["default"]:
            policy.default_action = options["default"]
        policy.full_clean()
        policy.save()
        if options["country"]:
            if not options["geo_action"]:
                raise CommandError("--country needs --action")
            country = options["country"].upper()
            if len(country) != 2 or not country.isalpha():
                raise CommandError("--country takes a two-letter ISO code such as US")
            CountryRule.objects.update_or_create(policy=policy, country=country,
                                                 defaults={"action": options["geo_action"]})
        self.stdout.write(self.style.SUCCESS(f"geo policy of {hub.slug} saved"))
