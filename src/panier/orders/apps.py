from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "panier.orders"
    label = "orders"
