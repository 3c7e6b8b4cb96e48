from django.urls import path

from panier.orders import views

app_name = "orders"
urlpatterns = [
    path("withdraw/", views.withdraw_start, name="withdraw"),
    path("withdraw/<uuid:token>/confirm/", views.withdraw_confirm, name="withdraw_confirm"),
    path("withdraw/<uuid:token>/done/", views.withdraw_done, name="withdraw_done"),
    path("<str:number>/", views.detail, name="detail"),
]
