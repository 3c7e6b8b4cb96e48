from django.contrib import admin

from panier.privacy.models import Breach, MarketingConsent


@admin.register(MarketingConsent)
class MarketingConsentAdmin(admin.ModelAdmin):
    """Proof of consent: read-only; people unsubscribe through their link."""

    list_display = ("email", "hub", "status", "source", "text_version", "requested_at", "confirmed_at")
    list_filter = ("status", "hub")
    search_fields = ("email",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Breach)
class BreachAdmin(admin.ModelAdmin):
    """Read-only here: the register is kept on the operator page, which audits each change."""

    list_display = ("detected_at", "hub", "risk", "people_affected", "cnil_notified_at", "people_notified_at")
    list_filter = ("risk", "hub")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
