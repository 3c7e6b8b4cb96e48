from django.apps import AppConfig


class HubsConfig(AppConfig):
    name = "panier.hubs"
    label = "hubs"

    def ready(self) -> None:
        from panier.hubs import signals  # noqa: F401 - connects the cache invalidation
