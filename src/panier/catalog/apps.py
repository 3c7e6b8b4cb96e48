from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "panier.catalog"
    label = "catalog"

    def ready(self) -> None:
        from panier.catalog import invalidation

        invalidation.connect()
