"""Review pages of one hub (under /<hub>/reviews/)."""

from django.urls import path

from panier.reviews import views

app_name = "reviews_hub"
urlpatterns = [
    path("", views.notice, name="notice"),
    path("<int:review_id>/report/", views.report, name="report"),
]
