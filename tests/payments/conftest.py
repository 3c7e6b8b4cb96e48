import pytest

from tests.payments.fakes import mollie_server, stripe_server


@pytest.fixture
def fake_stripe(settings):
    """A fake Stripe API on 127.0.0.1 with the adapter pointed at it."""
    server = stripe_server.FakeStripe().start()
    settings.STRIPE_SECRET_KEY = stripe_server.SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = stripe_server.WEBHOOK_SECRET
    settings.STRIPE_API_BASE = server.url
    settings.PANIER_PAYMENT_TIMEOUT_S = 5.0
    yield server
    server.stop()


@pytest.fixture
def fake_mollie(settings):
    """A fake Mollie API on 127.0.0.1 with the adapter pointed at it."""
    server = mollie_server.FakeMollie().start()
    settings.MOLLIE_API_KEY = mollie_server.API_KEY
    settings.MOLLIE_API_BASE = server.url
    settings.PANIER_PAYMENT_TIMEOUT_S = 5.0
    yield server
    server.stop()
