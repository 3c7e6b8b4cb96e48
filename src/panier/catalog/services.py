"""Catalog writes."""

from __future__ import annotations

from panier.catalog.models import Product
from panier.catalog.search import product_search_document


def product_search_text_refresh(product: Product) -> Product:
    """Recompute and save ``product.search_text`` after an edit.

    Call it after changing a product's names or description, or after
    renaming its producer or category. The storefront search does not
    depend on it (it folds the text itself); exports and the back office
    can filter on it with a plain ``icontains``.
    """
    text = product_search_document(product)
    if text != product.search_text:
        product.search_text = text
        Product.objects.filter(pk=product.pk).update(search_text=text)
    return product
