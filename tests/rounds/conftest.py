from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from panier.inventory.models import Stock
from tests import factories

NICE_DEPOT = (Decimal("43.710200"), Decimal("7.262000"))
# Customer addresses a few km around the hub.
SPOTS = [
    ("43.700300", "7.262000"),
    ("43.696000", "7.285000"),
    ("43.719000", "7.250000"),
    ("43.704500", "7.232000"),
    ("43.726000", "7.275000"),
    ("43.689000", "7.240000"),
]


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=5)


@pytest.fixture
def routed(shop, day):
    """The shop's hub with coordinates, one van, and 6 located paid orders in two windows of ``day``."""
    hub = shop.hub
    hub.latitude, hub.longitude = NICE_DEPOT
    hub.save(update_fields=["latitude", "longitude"])
    Stock.objects.update(remaining=500)
    morning = factories.day_slot(hub, day, 9, 11)
    afternoon = factories.day_slot(hub, day, 14, 16)
    van = factories.vehicle(hub, name="Van A")
    orders = [
        factories.located_order(shop, morning if n % 2 == 0 else afternoon, lat, lon, first_name=f"C{n}")
        for n, (lat, lon) in enumerate(SPOTS)
    ]
    shop.extra.update(morning=morning, afternoon=afternoon, van=van, orders=orders)
    return shop
