from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.catalog.backoffice_services import product_search_text, products_search_text_refresh
from panier.catalog.models import Category, Product, ProductImage, Variant
from panier.core.images import SanitisedImageField
from panier.core.templatetags.money import format_cents
from panier.producers.admin import ProducerAdmin
from panier.producers.models import Producer


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "hub", "position")
    list_filter = ("hub",)
    list_editable = ("position",)
    search_fields = ("name", "name_en", "slug")
    list_select_related = ("hub",)
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"name", "name_en"} & set(form.changed_data):
            products_search_text_refresh(category=obj)


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ("label", "sku", "price_cents", "net_quantity", "estimated_weight_g", "position", "is_active")


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    formfield_overrides = {models.ImageField: {"form_class": SanitisedImageField}}
    extra = 0
    fields = ("image", "alt", "position")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "producer", "category", "hub", "tax_category", "sold_by_weight", "is_active")
    list_filter = ("hub", "is_active", "tax_category", "sold_by_weight", "category")
    search_fields = ("name", "name_en", "slug", "producer__name", "variants__sku")
    list_select_related = ("producer", "category", "hub")
    autocomplete_fields = ("hub", "producer", "category")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    inlines = [VariantInline, ProductImageInline]

    def save_model(self, request, obj, form, change):
        obj.search_text = product_search_text(obj)
        super().save_model(request, obj, form, change)


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    formfield_overrides = {models.ImageField: {"form_class": SanitisedImageField}}
    list_display = ("__str__", "product", "position")
    search_fields = ("alt", "product__name")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sku", "price", "is_active")
    list_filter = ("is_active", "product__hub")
    search_fields = ("sku", "label", "product__name")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)

    @admin.display(description=_("price incl. VAT"), ordering="price_cents")
    def price(self, obj):
        return format_cents(obj.price_cents)


# Product search words include the producer's name, but ``producers`` sits
# below ``catalog`` and cannot refresh them: the producer admin is
# extended here instead.
admin.site.unregister(Producer)


@admin.register(Producer)
class ProducerWithProductsAdmin(ProducerAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            products_search_text_refresh(producer=obj)
