from django.contrib import admin

from panier.backups.models import BackupRun


@admin.register(BackupRun)
class BackupRunAdmin(admin.ModelAdmin):
    """The journal of backups and drills: read-only evidence."""

    list_display = ("started_at", "kind", "ok")
    list_filter = ("kind", "ok")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
