from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from panier.core.templatetags.money import format_cents
from panier.payments.models import (
    Payment,
    PaymentOperation,
    ProviderEvent,
    ReconciliationItem,
    ReconciliationRun,
    SandboxIntent,
    SandboxMethod,
    SandboxOperation,
    SandboxWebhook,
    StoredPaymentMethod,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money records change only through the payment services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "hub", "provider", "status", "amount", "created_at")
    list_filter = ("status", "provider", "hub")
    search_fields = ("reference", "provider_ref", "public_id")
    list_select_related = ("hub",)
    date_hierarchy = "created_at"

    @admin.display(description=_("amount"), ordering="amount_cents")
    def amount(self, obj):
        return format_cents(obj.amount_cents, obj.currency)


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ("provider", "event_id", "received_at")
    list_filter = ("provider",)
    search_fields = ("event_id",)
    date_hierarchy = "received_at"


@admin.register(SandboxIntent)
class SandboxIntentAdmin(ReadOnlyAdmin):
    list_display = ("id", "status", "amount_cents", "created_at")
    list_filter = ("status",)
    search_fields = ("id",)


@admin.register(PaymentOperation)
class PaymentOperationAdmin(ReadOnlyAdmin):
    list_display = ("payment", "kind", "amount_cents", "status", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("idempotency_key", "payment__reference")
    list_select_related = ("payment",)


@admin.register(StoredPaymentMethod)
class StoredPaymentMethodAdmin(ReadOnlyAdmin):
    list_display = ("label", "provider", "customer", "created_at", "revoked_at")
    list_filter = ("provider",)
    list_select_related = ("customer",)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "trigger", "checked", "settled", "still_open", "mismatches")


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(ReadOnlyAdmin):
    list_display = ("run", "hub", "payment", "outcome", "from_status", "to_status")
    list_filter = ("outcome", "hub")
    list_select_related = ("run", "hub", "payment")


@admin.register(SandboxMethod)
class SandboxMethodAdmin(ReadOnlyAdmin):
    list_display = ("id", "card_last4", "created_at")


@admin.register(SandboxOperation)
class SandboxOperationAdmin(ReadOnlyAdmin):
    list_display = ("intent", "kind", "amount_cents", "created_at")
    list_filter = ("kind",)


@admin.register(SandboxWebhook)
class SandboxWebhookAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "kind", "intent", "delivered_at", "attempts", "last_error")
    list_filter = ("kind",)
