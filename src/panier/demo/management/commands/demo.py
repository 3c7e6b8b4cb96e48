"""``panier demo``: load believable demo data (two hubs on the Côte d'Azur)."""

from __future__ import annotations

import base64
import logging
import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from panier.demo import data
from panier.demo.loader import demo_exists, demo_load, demo_wipe


class Command(BaseCommand):
    help = (
        "Create two demo hubs (Nice, reseller; Antibes, marketplace) with producers, "
        "products, slots, users and past orders. Does nothing if they exist, unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo data first, then load it again."
        )
        parser.add_argument(
            "--port",
            default=os.environ.get("PORT", "8000"),
            help="Port shown in the address printed at the end (default: $PORT or 8000).",
        )

    def handle(self, *args, reset: bool = False, port: str = "8000", **options):
        started = time.monotonic()
        if reset and demo_exists():
            self.stdout.write("Wiping the demo data…")
            demo_wipe(self.stdout.write)
        if demo_exists():
            self.stdout.write(
                self.style.WARNING("The demo hubs already exist: nothing to do (use --reset to reload).")
            )
        else:
            self.stdout.write(f"Loading the demo data (images in {settings.MEDIA_ROOT})…")
            # The services log every order and e-mail; the step counts say enough.
            quiet = logging.getLogger("panier")
            level = quiet.level
            quiet.setLevel(logging.WARNING)
            try:
                demo_load(say=self.stdout.write)
            finally:
                quiet.setLevel(level)
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s."))
        self._print_logins(port)

    def _print_logins(self, port: str) -> None:
        self.stdout.write("")
        self.stdout.write(f"Open http://127.0.0.1:{port}/  (shops: /nice/ and /antibes/)")
        self.stdout.write("")
        width = max(len(role) for role, *_ in data.LOGINS)
        email_width = max(len(email) for _, email, *_ in data.LOGINS)
        rule = f"+-{'-' * width}-+-{'-' * email_width}-+-{'-' * len(data.DEMO_PASSWORD)}-+"
        self.stdout.write(rule)
        self.stdout.write(f"| {'Role':<{width}} | {'E-mail':<{email_width}} | {'Password':<{len(data.DEMO_PASSWORD)}} |")
        self.stdout.write(rule)
        for role, email, *_ in data.LOGINS:
            self.stdout.write(f"| {role:<{width}} | {email:<{email_width}} | {data.DEMO_PASSWORD} |")
        self.stdout.write(rule)
        key = base64.b32encode(bytes.fromhex(data.DEMO_TOTP_KEY_HEX)).decode()
        self.stdout.write("")
        self.stdout.write(
            f"The operator and the producer also need a two-factor code: add the key {key} "
            f"to an authenticator app, or run `oathtool --totp -b {key}`."
        )
