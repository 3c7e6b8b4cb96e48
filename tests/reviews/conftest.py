import pytest

from panier.orders.services import order_transition
from tests import factories


def deliver(order):
    """Walk an order through preparation to delivered, as the hub would."""
    path = ["in_preparation", "ready", "ready_for_pickup" if order.is_pickup else "out_for_delivery", "delivered"]
    for target in path:
        order = order_transition(order_id=order.pk, target=target)
    return order


@pytest.fixture
def customer(db):
    return factories.user(first_name="Alice", last_name="Durand")


@pytest.fixture
def delivered(shop, customer):
    """A delivered order of the customer: two lines (cheese, honey)."""
    return deliver(factories.placed_order(shop, [(0, 1), (1, 2)], user=customer))


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users here are built, not logged in by password: hash cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
