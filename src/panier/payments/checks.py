"""Start-up checks: the configured payment provider exists and has its keys.

A shop whose default provider cannot be built would take orders it cannot
get paid for; `manage.py check` (run at deployment and by `runserver`)
says so before the first customer does.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from panier.payments.adapters.registry import provider_names

# Settings each provider needs before it can open a payment.
REQUIRED_SETTINGS = {
    "stripe": ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
    "mollie": ("MOLLIE_API_KEY",),
}


@register()
def payment_provider_configured(app_configs=None, **kwargs) -> list[Error]:
    name = settings.PANIER_PAYMENT_PROVIDER
    if name not in provider_names():
        return [
            Error(
                f"PANIER_PAYMENT_PROVIDER is {name!r}, which is not a payment provider.",
                hint="Choose one of: " + ", ".join(sorted(provider_names())) + ".",
                id="panier.payments.E001",
            )
        ]
    missing = [key for key in REQUIRED_SETTINGS.get(name, ()) if not getattr(settings, key, "")]
    if missing:
        return [
            Error(
                f"The payment provider {name!r} needs " + ", ".join(missing) + ".",
                hint="Set them in the environment (see .env.example).",
                id="panier.payments.E002",
            )
        ]
    return []
