from django.contrib import admin

from panier.traffic.models import CountryRule, HubGeoPolicy, TrafficSettings


@admin.register(TrafficSettings)
class TrafficSettingsAdmin(admin.ModelAdmin):
    list_display = ("admission_mode", "updated_at")


class CountryRuleInline(admin.TabularInline):
    model = CountryRule
    extra = 1


@admin.register(HubGeoPolicy)
class HubGeoPolicyAdmin(admin.ModelAdmin):
    list_display = ("hub", "default_action", "delivery_area", "other_site_url")
    list_select_related = ("hub",)
    inlines = [CountryRuleInline]


@admin.register(CountryRule)
class CountryRuleAdmin(admin.ModelAdmin):
    list_display = ("policy", "country", "action")
    list_filter = ("action",)
    search_fields = ("country", "policy__hub__name")
