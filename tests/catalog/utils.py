"""Helpers shared by the storefront tests (catalog and basket pages)."""

from __future__ import annotations

from django.utils import translation
from django.utils.html import escape

from panier.catalog.models import Product, ProductImage, Variant
from panier.inventory.models import Stock
from tests import factories


def fr(text: str) -> str:
    """Return ``text`` as the French pages show it (with or without a catalogue)."""
    with translation.override("fr"):
        return str(translation.gettext(text))


def frn(singular: str, plural: str, count: int) -> str:
    """Return a counted message as the French pages show it."""
    with translation.override("fr"):
        return str(translation.ngettext(singular, plural, count)) % {"counter": count}


def html(response) -> str:
    return response.content.decode()


def shows(response, text: str) -> bool:
    """Whether the page shows ``text`` (HTML-escaped as templates do)."""
    return escape(str(text)) in html(response)


def variant(product: Product, *, sku: str, label: str, price_cents: int, stock: int | None = 10, **kw) -> Variant:
    v = Variant.objects.create(product=product, sku=sku, label=label, price_cents=price_cents, **kw)
    if stock is not None:
        Stock.objects.create(variant=v, remaining=stock)
    return v


def many_products(shop, count: int, *, prefix: str = "Article") -> list[Product]:
    """Add ``count`` products, each with a second variant and a photo."""
    category = shop.products[0].category
    products = []
    for i in range(count):
        product = factories.product(
            shop.producers[i % 2], category, name=f"{prefix} {i:02d}", slug=f"{prefix.lower()}-{i:02d}"
        )
        variant(product, sku=f"{prefix}-{i}-B", label="1 kg", price_cents=900, stock=i % 3)
        ProductImage.objects.create(product=product, image=f"products/{prefix.lower()}-{i}.jpg", alt=f"Photo {i}")
        products.append(product)
    return products
