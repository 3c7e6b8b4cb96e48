"""The start-up check refuses an unknown provider or one without its keys."""

from panier.payments.checks import payment_provider_configured


def test_sandbox_needs_nothing(settings):
    settings.PANIER_PAYMENT_PROVIDER = "sandbox"
    assert payment_provider_configured() == []


def test_unknown_provider_is_an_error(settings):
    settings.PANIER_PAYMENT_PROVIDER = "paypal"
    [error] = payment_provider_configured()
    assert error.id == "panier.payments.E001"
    assert "'paypal'" in error.msg
    assert "mollie, sandbox, stripe" in error.hint


def test_provider_without_its_keys_is_an_error(settings):
    settings.PANIER_PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_configured"
    settings.STRIPE_WEBHOOK_SECRET = ""
    [error] = payment_provider_configured()
    assert error.id == "panier.payments.E002"
    assert "STRIPE_WEBHOOK_SECRET" in error.msg
    settings.STRIPE_WEBHOOK_SECRET = "whsec_configured"
    assert payment_provider_configured() == []
