from django.contrib import admin

from panier.core.models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    """Stored answers to retried requests: read-only, they prove what was answered."""

    list_display = ("scope", "key", "response_status", "created_at")
    list_filter = ("scope",)
    search_fields = ("key",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
