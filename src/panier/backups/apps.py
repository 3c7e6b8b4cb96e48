from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "panier.backups"
    label = "backups"
    verbose_name = "Backups"
