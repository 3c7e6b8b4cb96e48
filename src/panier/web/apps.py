from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "panier.web"
    label = "web"
