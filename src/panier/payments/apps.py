from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "panier.payments"
    label = "payments"

    def ready(self) -> None:
        from panier.payments import checks  # noqa: F401 (registers the start-up checks)
