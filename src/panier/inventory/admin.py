from django.contrib import admin

from panier.inventory.models import Stock, StockMovement


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    """Stock is read-only here: counts go through the producer back office,
    which records each change as a movement."""

    list_display = ("variant", "remaining", "updated_at")
    list_filter = ("variant__product__hub", "variant__product__producer")
    search_fields = ("variant__sku", "variant__product__name")
    list_select_related = ("variant__product",)
    readonly_fields = ("variant", "remaining", "updated_at")

    def has_add_permission(self, request):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The append-only stock ledger."""

    list_display = ("created_at", "variant", "delta", "reason", "reference")
    list_filter = ("reason",)
    search_fields = ("reference", "variant__sku", "variant__product__name")
    list_select_related = ("variant__product",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
