"""Order page actions under /operator/, in the ``operator`` namespace of ``orders.urls_operator``."""

from django.urls import path

from panier.aftersales import views

urlpatterns = [
    path("<slug:hub_slug>/orders/<str:number>/transition/", views.order_change, name="order_transition"),
    path("<slug:hub_slug>/orders/<str:number>/refund/", views.order_refund_view, name="order_refund"),
]
