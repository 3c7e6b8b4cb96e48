from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "panier.accounts"
    label = "accounts"
