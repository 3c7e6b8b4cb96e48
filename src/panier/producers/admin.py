from django.contrib import admin

from panier.producers.models import Producer, ProducerStaff


class ProducerStaffInline(admin.TabularInline):
    model = ProducerStaff
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Producer)
class ProducerAdmin(admin.ModelAdmin):
    list_display = ("name", "hub", "city", "vat_regime", "is_active")
    list_filter = ("hub", "is_active", "vat_regime")
    search_fields = ("name", "legal_name", "siret", "city", "email")
    list_select_related = ("hub",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("hub",)
    inlines = [ProducerStaffInline]


@admin.register(ProducerStaff)
class ProducerStaffAdmin(admin.ModelAdmin):
    list_display = ("user", "producer")
    list_filter = ("producer__hub",)
    search_fields = ("user__email", "producer__name")
    list_select_related = ("user", "producer")
    autocomplete_fields = ("user", "producer")
