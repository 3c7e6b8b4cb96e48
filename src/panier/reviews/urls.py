"""Customer review pages (under /reviews/)."""

from django.urls import path

from panier.reviews import views

app_name = "reviews"
urlpatterns = [
    path("line/<int:line_id>/", views.line_review, name="line_review"),
]
