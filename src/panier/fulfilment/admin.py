from django.contrib import admin

from panier.fulfilment.models import CollectionListSent, PackedLine, Packing


class ReadOnlyAdmin(admin.ModelAdmin):
    """Packing records come from the packing screen and feed the payment capture: not edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PackedLineInline(admin.TabularInline):
    model = PackedLine
    extra = 0
    can_delete = False
    fields = ("line", "outcome", "packed_quantity", "substitute")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Packing)
class PackingAdmin(ReadOnlyAdmin):
    list_display = ["order", "bags", "has_cold_items", "exceeds_authorised", "finished_at"]
    list_select_related = ["order"]
    list_filter = ["exceeds_authorised", "has_cold_items"]
    inlines = [PackedLineInline]


@admin.register(PackedLine)
class PackedLineAdmin(ReadOnlyAdmin):
    list_display = ["line", "outcome", "packed_quantity", "substitute"]
    list_select_related = ["line"]


@admin.register(CollectionListSent)
class CollectionListSentAdmin(ReadOnlyAdmin):
    list_display = ["producer", "day", "sent_at", "recipients"]
    list_select_related = ["producer"]
