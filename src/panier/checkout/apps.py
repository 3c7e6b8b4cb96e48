from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "panier.checkout"
    label = "checkout"
