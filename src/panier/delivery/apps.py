from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "panier.delivery"
    label = "delivery"
