"""The driver's pages (under /driver/)."""

from django.urls import path

from panier.rounds import views_driver as views

app_name = "driver"
urlpatterns = [
    path("<slug:hub_slug>/", views.index, name="index"),
    path("<slug:hub_slug>/rounds/<int:round_id>/", views.round_page, name="round"),
    path("<slug:hub_slug>/rounds/<int:round_id>/start/", views.round_start, name="start"),
    path("<slug:hub_slug>/rounds/<int:round_id>/stops/<int:stop_id>/", views.stop_mark, name="mark"),
]
