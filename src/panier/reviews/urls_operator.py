"""The moderation queue (under /operator/<hub>/reviews/)."""

from django.urls import path

from panier.reviews import views_operator as views

app_name = "reviews_operator"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:review_id>/decide/", views.decide, name="decide"),
]
