"""The packing screen and labels (under /operator/packing/)."""

from django.urls import path

from panier.fulfilment import views

app_name = "packing"
urlpatterns = [
    path("<slug:hub_slug>/", views.day, name="day"),
    path("<slug:hub_slug>/labels.pdf", views.day_labels, name="day_labels"),
    path("<slug:hub_slug>/orders/<str:number>/", views.order, name="order"),
    path("<slug:hub_slug>/orders/<str:number>/finish/", views.order_finish, name="finish"),
    path("<slug:hub_slug>/orders/<str:number>/labels.pdf", views.order_labels, name="order_labels"),
]
