from django.apps import AppConfig


class TrafficConfig(AppConfig):
    name = "panier.traffic"
    label = "traffic"
