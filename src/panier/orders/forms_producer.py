"""Forms of the producer back office."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from panier.catalog.models import Allergen, Category, Product, Unit, WithdrawalException
from panier.core.images import SanitisedImageField
from panier.tax.models import TaxCategory

MAX_PRICE_CENTS = 100_000_00
MAX_PHOTO_BYTES = 5 * 1024 * 1024
_PRICE_RE = re.compile(r"^\d{1,7}([.,]\d{1,2})?$")


def price_text_to_cents(text: str) -> int | None:
    """Read a price typed in euros ("12,50", "12.50", "12 €") as exact cents.

    Returns None for anything else: negative, zero, more than two
    decimals, letters. Decimal keeps the value exact (never a float).
    """
    cleaned = (text or "").strip().replace("\u00a0", "").replace(" ", "").removesuffix("€")
    if not _PRICE_RE.match(cleaned):
        return None
    try:
        cents = Decimal(cleaned.replace(",", ".")) * 100
    except InvalidOperation:
        return None
    if cents != cents.to_integral_value() or cents <= 0 or cents > MAX_PRICE_CENTS:
        return None
    return int(cents)


def cents_to_price_text(cents: int | None) -> str:
    """Show cents as an editable price: 1250 -> "12,50"."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


class PriceField(forms.CharField):
    """A price in euros typed as text, cleaned to integer cents."""

    default_error_messages = {
        "invalid_price": _("Enter a price above zero in euros, like 12,50."),
    }

    def prepare_value(self, value):
        if isinstance(value, int):
            return cents_to_price_text(value)
        return value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off", "maxlength": "20"})
        return attrs

    def to_python(self, value):
        if isinstance(value, int):
            return value
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        cents = price_text_to_cents(text)
        if cents is None:
            raise forms.ValidationError(self.error_messages["invalid_price"], code="invalid_price")
        return cents


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    name_en = forms.CharField(label=_("Name (English)"), max_length=150, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    tax_category = forms.ChoiceField(label=_("Tax category"), choices=TaxCategory.choices)
    is_food = forms.BooleanField(label=_("Food"), required=False, initial=True)
    sold_by_weight = forms.BooleanField(
        label=_("Sold by weight"),
        required=False,
        help_text=_("The price is per kg; the final price is set when the item is weighed."),
    )
    unit = forms.ChoiceField(label=_("Unit for the unit price"), choices=Unit.choices)
    origin = forms.CharField(label=_("Origin"), max_length=100, required=False)
    ingredients = forms.CharField(label=_("Ingredients"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    allergens = forms.MultipleChoiceField(
        label=_("Allergens"), choices=Allergen.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    storage = forms.CharField(label=_("Storage conditions"), max_length=200, required=False)
    withdrawal_exception = forms.ChoiceField(
        label=_("Withdrawal right"), choices=WithdrawalException.choices, required=False
    )
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(hub=hub).order_by("position", "name")

    @classmethod
    def initial_for(cls, product: Product) -> dict:
        return {name: getattr(product, name) for name in cls.base_fields if name != "category"} | {
            "category": product.category_id
        }


class VariantForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=50, help_text=_("e.g. 250 g, 1 L, piece"))
    sku = forms.CharField(label=_("SKU"), max_length=50)
    price_cents = PriceField(
        label=_("Price incl. VAT (€)"),
        help_text=_("Per kg for goods sold by weight. For example 12,50."),
    )
    net_quantity = forms.IntegerField(label=_("Net quantity (g or mL)"), min_value=1, required=False)
    estimated_weight_g = forms.IntegerField(
        label=_("Estimated weight of one item (g)"), min_value=1, required=False
    )
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    @classmethod
    def initial_for(cls, variant) -> dict:
        return {name: getattr(variant, name) for name in cls.base_fields}


class StockForm(forms.Form):
    remaining = forms.IntegerField(label=_("Units available"), min_value=0, max_value=1_000_000)


class PhotoForm(forms.Form):
    image = SanitisedImageField(
        max_bytes=MAX_PHOTO_BYTES,
        label=_("Photo"),
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])],
        help_text=_("JPEG, PNG or WebP, 5 MB at most."),
    )
    alt = forms.CharField(
        label=_("Short description of the photo"),
        max_length=200,
        required=False,
        help_text=_("Read aloud to blind visitors."),
    )
