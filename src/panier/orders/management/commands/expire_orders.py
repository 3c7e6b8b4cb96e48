"""``panier expire_orders``: cancel orders whose payment never arrived.

Run it every minute or so (cron, systemd timer): each cancelled order gives
its stock and slot place back. Safe to run repeatedly and concurrently.
"""

from django.core.management.base import BaseCommand

from panier.orders.services import orders_expire_unpaid


class Command(BaseCommand):
    help = "Cancel the orders still waiting for payment after PANIER_PAYMENT_TIMEOUT_MIN minutes."

    def handle(self, *args, **options):
        count = orders_expire_unpaid()
        self.stdout.write(f"{count} unpaid order(s) expired.")
