from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "panier.invoicing"
    label = "invoicing"
