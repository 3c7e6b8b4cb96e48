"""Operator admin for recurring baskets. Runs are read-only: cycles change
only through ``panier subscriptions run``."""

from django.contrib import admin

from panier.subscriptions.models import (
    Subscription,
    SubscriptionLine,
    SubscriptionRun,
    SubscriptionSkip,
)


class SubscriptionLineInline(admin.TabularInline):
    model = SubscriptionLine
    extra = 0
    raw_id_fields = ("variant",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "hub",
        "user",
        "status",
        "every_days",
        "starts_on",
        "slot_kind",
        "slot_time",
    )
    list_filter = ("hub", "status", "every_days")
    search_fields = ("user__email", "public_id")
    list_select_related = ("hub", "user")
    raw_id_fields = ("user", "payment_method", "setup_payment", "pickup_point")
    readonly_fields = (
        "public_id",
        "payment_method",
        "setup_payment",
        "terms_accepted_at",
        "created_at",
        "updated_at",
    )
    inlines = [SubscriptionLineInline]


@admin.register(SubscriptionLine)
class SubscriptionLineAdmin(admin.ModelAdmin):
    list_display = ("subscription", "variant", "quantity")
    raw_id_fields = ("subscription", "variant")


@admin.register(SubscriptionSkip)
class SubscriptionSkipAdmin(admin.ModelAdmin):
    list_display = ("subscription", "cycle_on", "created_at")
    raw_id_fields = ("subscription",)


@admin.register(SubscriptionRun)
class SubscriptionRunAdmin(admin.ModelAdmin):
    list_display = ("subscription", "cycle_on", "status", "order", "is_reduced", "updated_at")
    list_filter = ("status",)
    date_hierarchy = "cycle_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
