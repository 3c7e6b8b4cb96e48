"""The audit log page, included under ``operator/<hub_slug>/audit/``."""

from django.urls import path

from panier.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
]
