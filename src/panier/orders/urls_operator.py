"""The hub order board (under /operator/).

The order page's actions that move money (status changes that cancel,
refunds) are routed to ``panier.aftersales.urls_operator`` under the same
``operator`` namespace (see ``config/urls.py``).
"""

from django.urls import path

from panier.orders import views_operator as views

app_name = "operator"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:hub_slug>/", views.board, name="board"),
    path("<slug:hub_slug>/orders/<str:number>/", views.order_detail, name="order_detail"),
]
