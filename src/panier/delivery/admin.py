from django.contrib import admin

from panier.delivery.models import Closure, PickupPoint, Schedule, Slot, SpecialDay, Zone


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ("name", "hub", "kind", "priority", "postal_codes", "radius_m", "fee_cents", "free_above_cents")
    list_filter = ("hub",)
    search_fields = ("name", "postal_codes")
    list_select_related = ("hub",)


@admin.register(PickupPoint)
class PickupPointAdmin(admin.ModelAdmin):
    list_display = ("name", "hub", "city", "is_active")
    list_filter = ("hub", "is_active")
    search_fields = ("name", "address", "city")
    list_select_related = ("hub",)


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    """``booked`` only changes through orders, never by hand."""

    list_display = ("__str__", "hub", "kind", "pickup_point", "cutoff_at", "booked", "capacity")
    list_filter = ("hub", "kind")
    search_fields = ("pickup_point__name",)
    list_select_related = ("hub", "pickup_point")
    date_hierarchy = "starts_at"
    readonly_fields = ("booked",)
    autocomplete_fields = ("pickup_point",)


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    """Operators manage schedules on the rounds pages; this is the raw view."""

    list_display = ("__str__", "hub", "kind", "pickup_point", "capacity", "cutoff_days_before", "cutoff_time", "is_active")
    list_filter = ("hub", "kind", "is_active")
    list_select_related = ("hub", "pickup_point")


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("hub", "first_day", "last_day", "reason")
    list_filter = ("hub",)
    list_select_related = ("hub",)
    date_hierarchy = "first_day"


@admin.register(SpecialDay)
class SpecialDayAdmin(admin.ModelAdmin):
    list_display = ("__str__", "hub", "pickup_point", "capacity", "replaces", "note")
    list_filter = ("hub", "kind", "replaces")
    list_select_related = ("hub", "pickup_point")
    date_hierarchy = "day"
