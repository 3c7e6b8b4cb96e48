from django.urls import path

from panier.web import views_backups

app_name = "backups"
urlpatterns = [
    path("", views_backups.backup_dashboard, name="dashboard"),
]
