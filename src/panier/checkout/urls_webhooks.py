from django.urls import path

from panier.checkout import views_webhooks

app_name = "webhooks"
urlpatterns = [
    path("<str:provider>/", views_webhooks.provider_webhook, name="provider"),
]
