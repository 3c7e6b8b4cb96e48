"""The producer back office (under /producer/)."""

from django.urls import path

from panier.orders import views_producer as views

app_name = "producer"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:producer_id>/", views.dashboard, name="dashboard"),
    path("<int:producer_id>/products/", views.product_list, name="product_list"),
    path("<int:producer_id>/products/new/", views.product_create, name="product_create"),
    path("<int:producer_id>/products/<int:product_id>/", views.product_edit, name="product_edit"),
    path("<int:producer_id>/products/<int:product_id>/variants/new/", views.variant_create, name="variant_create"),
    path("<int:producer_id>/products/<int:product_id>/photos/", views.photo_add, name="photo_add"),
    path("<int:producer_id>/variants/<int:variant_id>/", views.variant_edit, name="variant_edit"),
    path("<int:producer_id>/variants/<int:variant_id>/stock/", views.stock_update, name="stock_update"),
    path("<int:producer_id>/photos/<int:image_id>/delete/", views.photo_delete, name="photo_delete"),
    path("<int:producer_id>/stock/", views.stock, name="stock"),
    path("<int:producer_id>/orders/", views.order_list, name="order_list"),
    path("<int:producer_id>/orders/<str:number>/", views.order_detail, name="order_detail"),
    path("<int:producer_id>/collection/", views.collection, name="collection"),
]
