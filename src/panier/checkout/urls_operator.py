from django.urls import path

from panier.checkout import views_operator

app_name = "payments_operator"
urlpatterns = [
    path("reconciliation/", views_operator.reconciliation, name="reconciliation"),
]
