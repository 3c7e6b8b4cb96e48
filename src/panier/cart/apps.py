from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "panier.cart"
    label = "cart"
