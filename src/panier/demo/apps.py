from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "panier.demo"
    label = "demo"
