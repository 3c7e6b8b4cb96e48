from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from panier.core.templatetags.money import format_cents
from panier.orders.models import Order, OrderEvent, OrderLine, Withdrawal

MONEY_AND_STATE = (
    "status", "goods_cents", "delivery_fee_cents", "total_cents", "vat_cents", "vat_breakdown",
    "currency", "paid_at", "placed_at", "payment_due_by", "terms_accepted_at", "number",
    "checkout_token", "hub", "slot",
)


class OrderLineInline(admin.TabularInline):
    """Lines are frozen at placement."""

    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("product_name", "variant_label", "producer", "quantity", "unit_price_cents",
              "final_weight_g", "line_total_cents", "tax_rate_bp", "seller_of_record")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


#: How VAT applied and what it relied on: kept as placed, never edited.
VAT_EVIDENCE = (
    "customer_country", "address_country", "company_name", "company_vat_number", "company_siret",
    "company_address", "vat_treatment", "vies_status", "vies_checked_at", "vies_consultation_number",
)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders: state changes go through the order board, which records them."""

    list_display = ("number", "hub", "status", "customer", "fulfilment", "slot_start", "total", "placed_at")
    list_filter = ("status", "hub", "fulfilment")
    search_fields = ("number", "email", "last_name", "phone")
    list_select_related = ("hub", "slot")
    date_hierarchy = "placed_at"
    readonly_fields = (*MONEY_AND_STATE, *VAT_EVIDENCE)
    autocomplete_fields = ("user", "zone", "pickup_point")
    inlines = [OrderLineInline, OrderEventInline]
    fieldsets = (
        (None, {"fields": ("number", "hub", "status", "user", "language")}),
        (_("Customer"), {"fields": ("email", "first_name", "last_name", "phone")}),
        (
            _("Fulfilment"),
            {"fields": ("fulfilment", "slot", "zone", "pickup_point", "address_line1", "address_line2",
                        "postal_code", "city", "delivery_notes")},
        ),
        (
            _("Amounts"),
            {"fields": ("goods_cents", "delivery_fee_cents", "total_cents", "vat_cents", "vat_breakdown",
                        "currency", "has_weighed_items")},
        ),
        (_("Dates"), {"fields": ("placed_at", "terms_accepted_at", "payment_due_by", "paid_at", "checkout_token")}),
        (_("VAT"), {"fields": VAT_EVIDENCE}),
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("customer"), ordering="last_name")
    def customer(self, obj):
        return obj.customer_name

    @admin.display(description=_("slot"), ordering="slot__starts_at")
    def slot_start(self, obj):
        return obj.slot.starts_at

    @admin.display(description=_("total"), ordering="total_cents")
    def total(self, obj):
        return format_cents(obj.total_cents, obj.currency)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    """Order lines across orders, e.g. to find who bought a product."""

    list_display = ("order", "product_name", "variant_label", "producer", "quantity", "line_total")
    list_filter = ("producer__hub", "seller_of_record")
    search_fields = ("order__number", "product_name", "producer__name")
    list_select_related = ("order", "producer")

    @admin.display(description=_("total"), ordering="line_total_cents")
    def line_total(self, obj):
        return format_cents(obj.line_total_cents)


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    """The order history: who changed what, and when."""

    list_display = ("created_at", "order", "from_status", "to_status", "actor", "note")
    list_filter = ("to_status",)
    search_fields = ("order__number", "actor__email", "note")
    list_select_related = ("order", "actor")
    date_hierarchy = "created_at"


@admin.register(Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "email", "created_at", "confirmed_at")
    search_fields = ("order__number", "email", "name")
    list_select_related = ("order",)
    date_hierarchy = "created_at"
    readonly_fields = ("order", "token", "created_at", "confirmed_at", "receipt_sent_at")

    def has_add_permission(self, request):
        return False
