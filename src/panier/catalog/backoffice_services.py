"""Product writes for the producer back office and the admin.

Every save refreshes ``Product.search_text`` (see ``catalog.search``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from panier.catalog.models import Category, Product, ProductImage, Variant
from panier.catalog.search import product_search_document
from panier.core.errors import Conflict, InvalidInput
from panier.core.images import image_sanitise
from panier.producers.models import Producer

PRODUCT_FIELDS = (
    "name",
    "name_en",
    "description",
    "description_en",
    "category",
    "tax_category",
    "is_food",
    "sold_by_weight",
    "unit",
    "origin",
    "ingredients",
    "allergens",
    "storage",
    "withdrawal_exception",
    "is_active",
)
VARIANT_FIELDS = (
    "label",
    "sku",
    "price_cents",
    "net_quantity",
    "estimated_weight_g",
    "position",
    "is_active",
)


class SkuTaken(Conflict):
    code = "sku_taken"
    default_message = _("Another variant of this product already has this SKU.")


class CategoryNotInHub(InvalidInput):
    code = "category_not_in_hub"
    default_message = _("Choose a category of the producer's shop.")


class EstimatedWeightRequired(InvalidInput):
    code = "estimated_weight_required"
    default_message = _("Goods sold by weight need the estimated weight of one item.")


def product_search_text(product: Product) -> str:
    """The search words of a product: names, description, producer and category."""
    return product_search_document(product)


def products_search_text_refresh(*, producer: Producer | None = None, category: Category | None = None) -> int:
    """Recompute ``search_text`` of the products of a renamed producer or category."""
    qs = Product.objects.select_related("producer", "category")
    if producer is not None:
        qs = qs.filter(producer=producer)
    if category is not None:
        qs = qs.filter(category=category)
    products = list(qs)
    for product in products:
        product.search_text = product_search_text(product)
    Product.objects.bulk_update(products, ["search_text"])
    return len(products)


def _unique_slug(hub_id: int, name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:100] or "product"
    taken = set(
        Product.objects.filter(hub_id=hub_id, slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def product_save(
    *, producer: Producer, data: Mapping[str, Any], product: Product | None = None
) -> Product:
    """Create a product of ``producer`` or update one of its products.

    ``data`` holds the fields of PRODUCT_FIELDS (others are ignored). The
    category must belong to the producer's hub. Raises CategoryNotInHub.
    """
    if product is not None and product.producer_id != producer.pk:
        raise InvalidInput()
    category = data.get("category")
    if category is not None and category.hub_id != producer.hub_id:
        raise CategoryNotInHub(field="category")
    with transaction.atomic():
        if product is None:
            product = Product(hub_id=producer.hub_id, producer=producer)
            product.slug = _unique_slug(producer.hub_id, str(data.get("name", "")))
        for name in PRODUCT_FIELDS:
            if name in data:
                setattr(product, name, data[name])
        product.producer = producer
        product.search_text = product_search_text(product)
        try:
            product.full_clean(exclude=["search_text"])
        except ValidationError as exc:
            raise InvalidInput("; ".join(exc.messages)) from None
        product.save()
    return product


def variant_save(
    *, product: Product, data: Mapping[str, Any], variant: Variant | None = None
) -> Variant:
    """Create or update a variant of ``product``.

    Raises SkuTaken, or EstimatedWeightRequired for goods sold by weight.
    """
    if variant is not None and variant.product_id != product.pk:
        raise InvalidInput()
    if product.sold_by_weight and not data.get("estimated_weight_g"):
        raise EstimatedWeightRequired(field="estimated_weight_g")
    variant = variant or Variant(product=product)
    for name in VARIANT_FIELDS:
        if name in data and data[name] is not None:
            setattr(variant, name, data[name])
        elif name in data and name in ("net_quantity", "estimated_weight_g"):
            setattr(variant, name, None)
    if Variant.objects.filter(product=product, sku=variant.sku).exclude(pk=variant.pk).exists():
        raise SkuTaken(field="sku")
    try:
        variant.full_clean(validate_unique=False)
        with transaction.atomic():
            variant.save()
    except IntegrityError:
        raise SkuTaken(field="sku") from None
    except ValidationError as exc:
        raise InvalidInput("; ".join(exc.messages)) from None
    return variant


def product_image_add(*, product: Product, image: UploadedFile, alt: str = "") -> ProductImage:
    """Attach an uploaded photo to a product, re-encoded by ``image_sanitise``.

    Raises ``ImageInvalid`` or ``ImageTooLarge`` for a file that is not a
    picture the shop accepts.
    """
    image = image_sanitise(image)
    last = product.images.order_by("-position").values_list("position", flat=True).first()
    return ProductImage.objects.create(
        product=product, image=image, alt=alt[:200], position=(last or 0) + 1
    )


def product_image_delete(*, image: ProductImage) -> None:
    """Remove a photo and its file."""
    image.image.delete(save=False)
    image.delete()
