from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "panier.notifications"
    label = "notifications"
