"""`panier serve`: the production HTTP server.

Granian serves the WSGI application: on a 2-core machine it answered a
bare Django view about twice as fast as gunicorn with sync workers
(docs/performance.md), and Panier's views are synchronous, so WSGI rather
than ASGI. Each worker runs a pool of threads, more than the requests it
lets into the application at once (``PANIER_APP_SLOTS``, see
panier.traffic.gate): the spare threads answer the waiting room and the
interstitial while pages render. The database pool is sized to the
slots, which are the only threads that query.
"""

from __future__ import annotations

import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    """One worker per core, plus one.

    A worker runs Python code on one core at a time; while its requests
    wait for PostgreSQL (a lock on a popular product's stock, a commit),
    that core idles unless another process has work. With one spare
    process the cores of a 2-core machine were busy 193 % of the time
    in the checkout bench instead of 183–185 %, for 4 % more orders a
    second (docs/performance.md).
    """
    return (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = "Serve Panier in production with granian (WSGI)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("PANIER_WORKERS", default_workers())),
            help="Worker processes (default: one per core, plus one).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("PANIER_THREADS", "16")),
            help="Blocking threads per worker (requests answered at once by one process, "
            "PANIER_APP_SLOTS of them in the application).",
        )
        parser.add_argument("--backlog", type=int, default=int(os.environ.get("PANIER_BACKLOG", "2048")),
                            help="Connections the kernel holds before they are accepted.")
        parser.add_argument("--no-collectstatic", action="store_true", help="Do not collect static files first.")
        parser.add_argument("--access-log", action="store_true")
        parser.add_argument("--dry-run", action="store_true", help="Print the server command and exit.")

    def handle(self, *args, **options):
        if settings.DEBUG:
            self.stderr.write(self.style.WARNING("DEBUG is on: do not serve real customers like this."))
        if not options["no_collectstatic"] and not options["dry_run"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        granian = shutil.which("granian", path=os.path.dirname(sys.executable)) or shutil.which("granian")
        if granian is None:
            raise CommandError("granian is not installed (pip install granian).")
        command = [
            granian,
            "--interface", "wsgi",
            "--host", options["host"],
            "--port", str(options["port"]),
            "--workers", str(options["workers"]),
            "--blocking-threads", str(options["threads"]),
            "--backlog", str(options["backlog"]),
            "--respawn-failed-workers",
            "--log-level", "warning",
            "--access-log" if options["access_log"] else "--no-access-log",
            "panier.config.wsgi:application",
        ]
        self.stdout.write(" ".join(command[1:]))
        if options["dry_run"]:
            return
        self.stdout.write(
            f"Serving on http://{options['host']}:{options['port']}/ "
            f"({options['workers']} workers × {options['threads']} threads)"
        )
        if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
            # One bounded connection pool per worker, as large as the requests
            # it runs in the application at once, plus two for the gate's
            # policy reloads (one query per policy at a time; the workers read
            # this with the settings).
            slots = settings.PANIER_APP_SLOTS
            pool = min(options["threads"], slots + 2) if slots > 0 else options["threads"]
            os.environ.setdefault("DATABASE_POOL_MAX", str(pool))
        sys.stdout.flush()
        os.execv(granian, command)  # noqa: S606 - replaces this process with the server
