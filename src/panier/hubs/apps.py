from django.apps import AppConfig


class HubsConfig(AppConfig):
    name = "panier.hubs"
    label = "hubs"
