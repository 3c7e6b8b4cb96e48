"""Basket forms: they only check the shape of the input; the services
check the product, the hub and the stock."""

from __future__ import annotations

from django import forms

from panier.cart.errors import InvalidQuantity, ProductUnavailable
from panier.cart.rules import MAX_QUANTITY
from panier.core.errors import PanierError

# Larger ids cannot exist and would overflow a database integer.
_MAX_ID = 2**62


class VariantForm(forms.Form):
    variant = forms.IntegerField(min_value=1, max_value=_MAX_ID)

    def error(self) -> PanierError:
        """Return the one error to show for the first invalid field."""
        if "quantity" in self.errors:
            return InvalidQuantity(field="quantity")
        return ProductUnavailable(field="variant")

    def error_message(self) -> str:
        return self.error().message


class AddForm(VariantForm):
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class UpdateForm(VariantForm):
    # 0 removes the line.
    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY)


class RemoveForm(VariantForm):
    pass
