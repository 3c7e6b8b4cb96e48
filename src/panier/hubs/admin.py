from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from panier.hubs.models import Hub, HubStaff


class HubStaffInline(admin.TabularInline):
    model = HubStaff
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Hub)
class HubAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "city", "selling_mode", "vat_regime", "is_active")
    list_filter = ("is_active", "selling_mode", "vat_regime")
    search_fields = ("name", "slug", "legal_name", "siret", "city")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [HubStaffInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "tagline", "is_active")}),
        (
            _("Legal entity"),
            {
                "fields": (
                    "legal_name", "legal_form", "share_capital", "siret", "rcs", "vat_number",
                    "vat_regime", "oss_destination_option", "selling_mode", "publication_director", "host_details",
                    "mediator_details",
                )
            },
        ),
        (_("Contact"), {"fields": ("address", "postal_code", "city", "country", "email", "phone")}),
        (
            _("Shop settings"),
            {"fields": ("timezone", "currency", "min_order_cents", "latitude", "longitude")},
        ),
    )


@admin.register(HubStaff)
class HubStaffAdmin(admin.ModelAdmin):
    list_display = ("user", "hub", "role")
    list_filter = ("hub", "role")
    search_fields = ("user__email", "hub__name")
    list_select_related = ("user", "hub")
    autocomplete_fields = ("user", "hub")
