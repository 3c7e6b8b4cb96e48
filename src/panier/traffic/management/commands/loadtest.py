"""`panier loadtest --scenario mix|surge --duration 60`."""

from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from panier.traffic.loadtest.runner import LoadTest, report, workdir_drop, workdir_new


class Command(BaseCommand):
    help = "Load-test a local production server with a realistic mix or a visitor surge (loopback only)."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", choices=["mix", "surge"], default="mix")
        parser.add_argument("--duration", type=int, default=60, help="seconds per run (10–600)")
        parser.add_argument("--users", type=int, default=20, help="regular customers (surge adds 20× new visitors)")
        parser.add_argument("--protection", choices=["on", "off", "both"], default=None,
                            help="default: on for mix, both for surge")
        parser.add_argument("--port", type=int, default=8950)
        parser.add_argument("--database", default="panier_loadtest",
                            help="scratch PostgreSQL database, dropped and created again (default panier_loadtest)")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=16)
        parser.add_argument("--output", default="", help="report file (default var/loadtest/…md)")

    def handle(self, *args, **options):
        duration = options["duration"]
        if not 10 <= duration <= 600:
            raise CommandError("--duration must be between 10 and 600 seconds")
        if not 1 <= options["users"] <= 500:
            raise CommandError("--users must be between 1 and 500")
        scenario = options["scenario"]
        protection = options["protection"] or ("both" if scenario == "surge" else "on")
        modes = {"on": [True], "off": [False], "both": [True, False]}[protection]
        workdir = workdir_new()
        try:
            test = LoadTest(out=self.stdout, workdir=workdir, port=options["port"], workers=options["workers"],
                            threads=options["threads"], database=options["database"])
            test.prepare()
            results = [
                test.run(scenario=scenario, duration=duration, users=options["users"], protection=mode)
                for mode in modes
            ]
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            workdir_drop(workdir)
        text = report(results, duration=duration, users=options["users"])
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
        path = Path(options["output"] or settings.DATA_DIR / "loadtest" / f"{stamp}-{scenario}.md")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.stdout.write(text)
        self.stdout.write(self.style.SUCCESS(f"report written to {path}"))
