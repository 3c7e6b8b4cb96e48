from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "panier.core"
    label = "core"
