from django.urls import path

from panier.checkout import views

app_name = "checkout"
urlpatterns = [
    path("", views.start, name="start"),
    path("review/", views.review, name="review"),
    path("return/<uuid:checkout_token>/", views.payment_return, name="return"),
    path("confirmation/<str:number>/", views.confirmation, name="confirmation"),
]
