from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "panier.inventory"
    label = "inventory"
