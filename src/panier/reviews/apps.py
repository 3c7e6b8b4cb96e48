from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "panier.reviews"
    label = "reviews"
