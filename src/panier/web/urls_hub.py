"""Pages of one hub served by the site shell (legal pages)."""

from django.urls import path

from panier.web import legal

app_name = "legal"
urlpatterns = [
    path("terms/", legal.terms, name="terms"),
    path("legal-notice/", legal.legal_notice, name="legal_notice"),
    path("privacy/", legal.privacy, name="privacy"),
    path("withdrawal/", legal.withdrawal, name="withdrawal"),
]
