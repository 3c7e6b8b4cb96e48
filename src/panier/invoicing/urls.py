"""Invoice downloads and the operator's accounting reports; included under ``invoices/`` (translated URL patterns)."""

from django.urls import path, re_path

from panier.invoicing import views

app_name = "invoicing"
urlpatterns = [
    path("<uuid:public_id>.pdf", views.customer_invoice_pdf, name="customer_pdf"),
    path("operator/<slug:hub_slug>/reports/", views.operator_reports, name="operator_reports"),
    re_path(
        r"^operator/(?P<hub_slug>[-a-zA-Z0-9_]+)/reports/(?P<kind>oss|vat|statements|dac7)/$",
        views.operator_report,
        name="operator_report",
    ),
    re_path(
        r"^operator/(?P<hub_slug>[-a-zA-Z0-9_]+)/(?P<number>[-A-Z0-9]+)\.(?P<fmt>pdf|xml|ubl)$",
        views.operator_invoice_download,
        name="operator_download",
    ),
]
