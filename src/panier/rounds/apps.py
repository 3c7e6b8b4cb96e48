from django.apps import AppConfig


class RoundsConfig(AppConfig):
    name = "panier.rounds"
    label = "rounds"
