from django.contrib import admin

from panier.rounds.models import Round, RoundPlan, Stop, Vehicle


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["name", "hub", "capacity_kg", "capacity_crates", "shift_start", "shift_end", "is_active"]
    list_filter = ["hub", "is_active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Plans are made and changed on the rounds page, where times are computed again."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoundPlan)
class RoundPlanAdmin(ReadOnlyAdmin):
    list_display = ["hub", "day", "solver", "travel_source", "compute_ms", "created_at"]
    list_select_related = ["hub"]
    list_filter = ["hub"]


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ["vehicle", "plan", "depart_at", "return_at", "driving_s", "weight_g", "crates", "started_at"]
    list_select_related = ["vehicle", "plan__hub"]


@admin.register(Stop)
class StopAdmin(ReadOnlyAdmin):
    list_display = ["order", "round", "position", "eta", "is_late", "status", "failure_reason"]
    list_select_related = ["order", "round__vehicle", "round__plan__hub"]
    list_filter = ["status", "is_late"]
