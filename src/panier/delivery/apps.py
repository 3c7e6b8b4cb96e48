from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "panier.delivery"
    label = "delivery"

    def ready(self) -> None:
        from panier.delivery import signals  # noqa: F401 - connects the receivers
