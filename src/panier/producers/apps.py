from django.apps import AppConfig


class ProducersConfig(AppConfig):
    name = "panier.producers"
    label = "producers"
