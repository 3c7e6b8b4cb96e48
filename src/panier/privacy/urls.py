"""The customer's privacy pages (under ``accounts/privacy/``) and the newsletter links."""

from django.urls import path

from panier.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.home, name="home"),
    path("data.json", views.export_json, name="export_json"),
    path("data.zip", views.export_zip, name="export_zip"),
    path("delete/", views.delete_account, name="delete"),
    path("newsletter/", views.newsletter_subscribe, name="newsletter"),
    path("newsletter/confirm/<uuid:token>/", views.newsletter_confirm, name="confirm"),
    path("unsubscribe/<uuid:token>/", views.unsubscribe, name="unsubscribe"),
]
