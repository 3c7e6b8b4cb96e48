"""Operator privacy pages, included under ``operator/<hub_slug>/privacy/``."""

from django.urls import path

from panier.privacy import views_operator as views

app_name = "privacy_operator"
urlpatterns = [
    path("customers/export/", views.customer_export, name="customer_export"),
    path("breaches/", views.breach_list, name="breaches"),
    path("breaches/new/", views.breach_edit, name="breach_new"),
    path("breaches/<int:pk>/", views.breach_edit, name="breach_edit"),
]
