"""JSON shapes of the catalog API. Prices are cents, VAT included."""

from __future__ import annotations

from django.utils.translation import get_language
from ninja import Field, Schema

from panier.catalog import rules as catalog_rules
from panier.catalog.models import Category, Product, Variant
from panier.core.api import PageOut
from panier.hubs.models import Hub, SellingMode, VatRegime
from panier.producers.models import Producer
from panier.tax import rules as tax_rules


class HubOut(Schema):
    slug: str
    name: str
    tagline: str
    city: str
    postal_code: str
    currency: str
    min_order_cents: int


class CategoryOut(Schema):
    slug: str
    name: str

    @staticmethod
    def resolve_name(obj: Category) -> str:
        return obj.display_name


class ProducerOut(Schema):
    slug: str
    name: str
    city: str
    description: str

    @staticmethod
    def resolve_description(obj: Producer) -> str:
        if (get_language() or "fr").startswith("en") and obj.description_en:
            return obj.description_en
        return obj.description


class VariantOut(Schema):
    id: int
    sku: str
    label: str
    price_cents: int = Field(
        ..., description="Price incl. VAT; per kg for goods sold by weight."
    )
    unit_price_cents: int | None = Field(
        None, description="Price incl. VAT per kg or litre (the unit of the product)."
    )
    estimated_weight_g: int | None = None
    estimated_price_cents: int = Field(
        ..., description="Price incl. VAT of one item (estimated for goods sold by weight)."
    )
    net_quantity: int | None = None
    available: int = Field(..., description="Units that can still be ordered.")
    is_available: bool

    @staticmethod
    def resolve_unit_price_cents(obj: Variant) -> int | None:
        if obj.product.sold_by_weight:
            return obj.price_cents
        return catalog_rules.unit_price_cents(obj.price_cents, obj.net_quantity)

    @staticmethod
    def resolve_estimated_weight_g(obj: Variant) -> int | None:
        return obj.estimated_weight_g if obj.product.sold_by_weight else None

    @staticmethod
    def resolve_estimated_price_cents(obj: Variant) -> int:
        if obj.product.sold_by_weight:
            return catalog_rules.weighed_price_cents(obj.price_cents, obj.estimated_weight_g or 0)
        return obj.price_cents

    @staticmethod
    def resolve_available(obj: Variant) -> int:
        stock = getattr(obj, "stock", None)
        return max(stock.remaining, 0) if stock is not None else 0

    @staticmethod
    def resolve_is_available(obj: Variant) -> bool:
        stock = getattr(obj, "stock", None)
        return stock is not None and stock.remaining > 0


# The catalog selectors prefetch the variants on sale and the images in
# order into these attributes.
def _variants(product: Product) -> list[Variant]:
    variants = getattr(product, "active_variants", None)
    if variants is None:
        variants = [v for v in product.variants.all() if v.is_active]
    for variant in variants:
        variant.product = product
    return variants


def _images(product: Product) -> list:
    images = getattr(product, "ordered_images", None)
    return images if images is not None else list(product.images.all())


def tax_rate_bp(product: Product, hub: Hub) -> int:
    """Return the VAT rate of a product as the seller of record charges it."""
    if hub.selling_mode == SellingMode.MARKETPLACE:
        regime = product.producer.vat_regime
    else:
        regime = hub.vat_regime
    return tax_rules.rate_bp(product.tax_category, seller_charges_vat=regime != VatRegime.FRANCHISE)


class ProductOut(Schema):
    slug: str
    name: str
    category: CategoryOut
    producer: ProducerOut
    is_food: bool
    sold_by_weight: bool
    unit: str = Field(..., description="Unit of unit_price_cents: kg, l or piece.")
    allergens: list[str]
    tax_category: str
    tax_rate_bp: int = Field(..., description="VAT rate in basis points (550 = 5.5 %).")
    available: bool = Field(..., description="At least one variant can be ordered.")
    image_url: str | None = None
    variants: list[VariantOut]

    @staticmethod
    def resolve_name(obj: Product) -> str:
        return obj.display_name

    @staticmethod
    def resolve_allergens(obj: Product) -> list[str]:
        return [str(a) for a in obj.allergens or []]

    @staticmethod
    def resolve_tax_rate_bp(obj: Product) -> int:
        return tax_rate_bp(obj, obj.hub)

    @staticmethod
    def resolve_variants(obj: Product) -> list[Variant]:
        return _variants(obj)

    @staticmethod
    def resolve_available(obj: Product) -> bool:
        return any(VariantOut.resolve_is_available(v) for v in _variants(obj))

    @staticmethod
    def resolve_image_url(obj: Product) -> str | None:
        images = _images(obj)
        return images[0].image.url if images else None


class ImageOut(Schema):
    url: str
    alt: str

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.image.url


class ProductDetailOut(ProductOut):
    description: str
    ingredients: str
    origin: str
    storage: str
    has_withdrawal_right: bool
    withdrawal_exception: str
    images: list[ImageOut]

    @staticmethod
    def resolve_description(obj: Product) -> str:
        return obj.display_description

    @staticmethod
    def resolve_images(obj: Product) -> list:
        return _images(obj)


class HubPageOut(PageOut):
    items: list[HubOut]


class CategoryPageOut(PageOut):
    items: list[CategoryOut]


class ProducerPageOut(PageOut):
    items: list[ProducerOut]


class ProductPageOut(PageOut):
    items: list[ProductOut]
