from django.urls import path

from panier.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.hub_home, name="hub_home"),
    path("products/", views.product_list, name="product_list"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("producers/", views.producer_list, name="producer_list"),
    path("producers/<slug:slug>/", views.producer_detail, name="producer"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    path("search/", views.search, name="search"),
]
