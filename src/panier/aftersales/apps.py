from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "panier.aftersales"
    label = "aftersales"
