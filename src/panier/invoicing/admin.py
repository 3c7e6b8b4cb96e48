"""Invoices in the admin: visible and searchable, never editable.

Invoices and credit notes are issued by services; an issued document is
never changed or deleted (errors are fixed with a credit note).
"""

from django.contrib import admin

from panier.invoicing.models import Invoice, InvoiceLine, NumberSequence


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "hub", "seller_name", "buyer_name", "gross_cents", "issue_date")
    list_filter = ("hub", "kind", "issuer_kind")
    search_fields = ("number", "order__number", "buyer_name", "seller_name")
    date_hierarchy = "issued_at"
    list_select_related = ("hub",)
    exclude = ("pdf", "xml")
    inlines = [InvoiceLineInline]


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "hub", "last_number")
    list_filter = ("hub",)


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "description", "quantity", "rate_bp")
    search_fields = ("invoice__number", "description")
    list_select_related = ("invoice",)
