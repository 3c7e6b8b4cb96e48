from django.contrib import admin

from panier.cart.models import Cart, CartLine


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    autocomplete_fields = ("variant",)
    readonly_fields = ("added_at",)


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ("token", "hub", "user", "created_at", "updated_at")
    list_filter = ("hub",)
    search_fields = ("token", "user__email")
    list_select_related = ("hub", "user")
    autocomplete_fields = ("user",)
    readonly_fields = ("token", "created_at", "updated_at")
    date_hierarchy = "updated_at"
    inlines = [CartLineInline]


@admin.register(CartLine)
class CartLineAdmin(admin.ModelAdmin):
    list_display = ("cart", "variant", "quantity", "added_at")
    search_fields = ("cart__token", "variant__sku", "variant__product__name")
    list_select_related = ("cart", "variant__product")
    autocomplete_fields = ("variant",)
    raw_id_fields = ("cart",)
