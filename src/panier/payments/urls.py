from django.urls import path

from panier.payments import views

app_name = "payments"
urlpatterns = [
    path("sandbox/<str:intent_id>/", views.sandbox_page, name="sandbox_page"),
]
