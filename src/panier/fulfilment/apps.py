from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "panier.fulfilment"
    label = "fulfilment"
