from django.contrib import admin

from panier.audit.models import AuditChain, AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """The log is evidence: nobody adds, edits or deletes it from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "chain_key", "seq", "actor", "hub", "action", "object_type", "object_id", "rows")
    list_filter = ("action", "object_type")
    list_select_related = ("actor", "hub")
    search_fields = ("object_id",)
    date_hierarchy = "created_at"


@admin.register(AuditChain)
class AuditChainAdmin(ReadOnlyAdmin):
    list_display = ("key", "last_seq", "last_hash")
