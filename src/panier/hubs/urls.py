"""The staff page of a hub (under /operator/staff/)."""

from django.urls import path

from panier.hubs import views

app_name = "hubstaff"
urlpatterns = [
    path("<slug:hub_slug>/", views.staff, name="staff"),
    path("<slug:hub_slug>/<int:staff_id>/", views.staff_role, name="staff_role"),
]
