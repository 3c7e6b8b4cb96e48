from django.apps import AppConfig


class TaxConfig(AppConfig):
    name = "panier.tax"
    label = "tax"
