"""Pick a payment provider adapter by name."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from panier.payments.adapters.base import PaymentProvider

# Dotted paths, imported on first use: the stripe and mollie SDKs weigh
# tens of MB that a worker serving the sandbox (or one provider) never needs.
_PROVIDERS: dict[str, str] = {
    "sandbox": "panier.payments.adapters.sandbox.SandboxProvider",
    "stripe": "panier.payments.adapters.stripe.StripeProvider",
    "mollie": "panier.payments.adapters.mollie.MollieProvider",
}


def provider_names() -> frozenset[str]:
    """The names ``PANIER_PAYMENT_PROVIDER`` may take."""
    return frozenset(_PROVIDERS)


def provider_get(name: str | None = None) -> PaymentProvider:
    """Return the adapter for ``name``, or for the configured default."""
    name = name or settings.PANIER_PAYMENT_PROVIDER
    try:
        path = _PROVIDERS[name]
    except KeyError:
        raise LookupError(f"unknown payment provider {name!r}") from None
    return import_string(path)()
