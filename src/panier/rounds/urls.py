"""Rounds of a delivery day (under /operator/rounds/)."""

from django.urls import path

from panier.rounds import views, views_schedules

app_name = "rounds"
urlpatterns = [
    path("<slug:hub_slug>/", views.day, name="day"),
    path("<slug:hub_slug>/plan/", views.plan, name="plan"),
    path("<slug:hub_slug>/geocode/", views.geocode_day, name="geocode"),
    path("<slug:hub_slug>/vehicles/", views.vehicle_add, name="vehicle_add"),
    path("<slug:hub_slug>/rounds/<int:round_id>/sheet.pdf", views.round_sheet, name="sheet"),
    path("<slug:hub_slug>/rounds/<int:round_id>/reoptimise/", views.round_reoptimise, name="reoptimise"),
    path("<slug:hub_slug>/stops/<int:stop_id>/move/", views.stop_move, name="stop_move"),
    path("<slug:hub_slug>/orders/<str:number>/coordinates/", views.order_coordinates, name="coordinates"),
    path("<slug:hub_slug>/schedules/", views_schedules.schedules, name="schedules"),
    path("<slug:hub_slug>/schedules/generate/", views_schedules.generate, name="slots_generate"),
    path("<slug:hub_slug>/schedules/<str:section>/add/", views_schedules.item_add, name="schedule_add"),
    path(
        "<slug:hub_slug>/schedules/<str:section>/<int:pk>/delete/",
        views_schedules.item_delete,
        name="schedule_delete",
    ),
]
