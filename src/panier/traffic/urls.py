from django.urls import path

from panier.traffic import views

app_name = "traffic"
urlpatterns = [path("", views.traffic_board, name="board")]
