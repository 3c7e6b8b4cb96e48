"""Replies to reviews in the producer back office (under /producer/<id>/reviews/)."""

from django.urls import path

from panier.reviews import views_producer as views

app_name = "reviews_producer"
urlpatterns = [
    path("", views.review_list, name="list"),
    path("<int:review_id>/reply/", views.reply, name="reply"),
]
