"""Catalog reads for the storefront.

Every list is loaded in a fixed number of queries, whatever the number of
products: producer and category are joined, active variants (with their
stock) and images are prefetched. Stock is reached through the reverse
``variant.stock`` relation, so this module does not import the inventory
app, which sits above the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache as memoize

from django.core.cache import cache
from django.db import connections, router
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from panier.catalog import rules
from panier.catalog.invalidation import content_version
from panier.catalog.models import Allergen, Category, Product, ProductImage, Unit, Variant
from panier.catalog.search import product_search
from panier.hubs.models import Hub, SellingMode, VatRegime
from panier.producers.models import Producer
from panier.tax import rules as tax_rules

#: Products per page in lists and search results.
PAGE_SIZE = 24
#: At or below this many units left, a variant shows "only N left".
LOW_STOCK = 5
#: Products shown on a hub's home page.
HOME_PRODUCTS = 8
#: The category and producer lists of a hub are kept this long at most
#: (a new version of its catalog replaces them at once).
CACHED_LISTS_TTL_S = 600


@dataclass(frozen=True)
class VariantOffer:
    """A variant as the storefront shows it: prices and availability."""

    variant: Variant
    #: VAT-inclusive price of one item; per kg when sold by weight.
    price_cents: int
    #: Price per kg or litre (arrêté of 16 Nov 1999), when it applies.
    unit_price_cents: int | None
    unit: str
    #: Sold by weight: estimated price of one item at its estimated weight.
    estimated_price_cents: int | None
    available: int

    @property
    def is_sold_out(self) -> bool:
        return self.available <= 0

    @property
    def is_low(self) -> bool:
        return 0 < self.available <= LOW_STOCK

    @property
    def max_quantity(self) -> int:
        return max(0, min(self.available, 99))


@dataclass(frozen=True)
class ProductCard:
    """A product with its offers and first photo, ready to display."""

    product: Product
    offers: tuple[VariantOffer, ...]
    image: ProductImage | None

    @property
    def producer(self) -> Producer:
        return self.product.producer

    @property
    def is_sold_out(self) -> bool:
        return all(offer.is_sold_out for offer in self.offers)

    @property
    def available_offers(self) -> tuple[VariantOffer, ...]:
        return tuple(offer for offer in self.offers if not offer.is_sold_out)


@dataclass(frozen=True)
class CardStub:
    """What a product card depends on that can change without a catalog write.

    Enough to find a rendered card in the cache: the full card is only
    loaded (:func:`product_cards_by_id`) when it is not there.
    """

    product_id: int
    #: (variant id, price, stock band) of each variant on sale, in display order.
    offers: tuple[tuple[int, int, int], ...]


def stock_band(available: int) -> int:
    """What a list shows of a stock level: sold out (0), "only N left" (1..5), in stock (6)."""
    return min(max(available, 0), LOW_STOCK + 1)


@dataclass(frozen=True)
class ProductDetail(ProductCard):
    """A product page: the card plus its photos, allergens and VAT rate."""

    images: tuple[ProductImage, ...]
    allergen_labels: tuple[str, ...]
    tax_rate_bp: int
    #: Content version of the hub read before the product was loaded: what
    #: is kept in the cache from this page is kept under it.
    content_version: int = 0


def variant_offer(variant: Variant, product: Product) -> VariantOffer:
    """Return the prices and availability of a variant (no query if stock is loaded)."""
    stock = getattr(variant, "stock", None)
    available = stock.remaining if stock is not None else 0
    if product.sold_by_weight:
        estimated = (
            rules.weighed_price_cents(variant.price_cents, variant.estimated_weight_g)
            if variant.estimated_weight_g
            else None
        )
        return VariantOffer(
            variant=variant,
            price_cents=variant.price_cents,
            unit_price_cents=variant.price_cents,
            unit=Unit.KILOGRAM.label,
            estimated_price_cents=estimated,
            available=available,
        )
    unit_price = None
    if product.unit in (Unit.KILOGRAM, Unit.LITRE):
        unit_price = rules.unit_price_cents(variant.price_cents, variant.net_quantity)
    return VariantOffer(
        variant=variant,
        price_cents=variant.price_cents,
        unit_price_cents=unit_price,
        unit=Unit(product.unit).label if product.unit in Unit.values else "",
        estimated_price_cents=None,
        available=available,
    )


def _on_sale(hub: Hub) -> QuerySet[Product]:
    active_variants = Variant.objects.filter(product=OuterRef("pk"), is_active=True)
    return Product.objects.filter(
        Exists(active_variants), hub=hub, is_active=True, producer__is_active=True
    )


def _with_relations(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.select_related("producer", "category").prefetch_related(
        Prefetch(
            "variants",
            queryset=Variant.objects.filter(is_active=True)
            .select_related("stock")
            .order_by("position", "pk"),
            to_attr="active_variants",
        ),
        Prefetch(
            "images", queryset=ProductImage.objects.order_by("position", "pk"), to_attr="ordered_images"
        ),
    )


def product_list(
    *, hub: Hub, category: Category | None = None, producer: Producer | None = None
) -> QuerySet[Product]:
    """Return the products on sale at a hub, optionally of one category or producer.

    Evaluate a page of it and pass it to :func:`product_cards`.
    """
    products = _on_sale(hub)
    if category is not None:
        products = products.filter(category=category)
    if producer is not None:
        products = products.filter(producer=producer)
    return _with_relations(products).order_by("name", "pk")


#: What a product card shows (see :func:`for_cards`).
_CARD_FIELDS = (
    "hub_id",
    "slug",
    "name",
    "name_en",
    "origin",
    "sold_by_weight",
    "unit",
    "producer__slug",
    "producer__name",
)


def for_cards(products: QuerySet[Product]) -> QuerySet[Product]:
    """Load only what :func:`product_card` and the card template use.

    Descriptions, ingredients, the search text and the category stay in
    the database, and the first photo comes with the product row (a card
    shows one): a page of cards is two queries, products and variants.
    """
    first_image = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "pk")
    return (
        products.select_related(None)
        .select_related("producer")
        .only(*_CARD_FIELDS)
        .annotate(
            first_image_id=Subquery(first_image.values("pk")[:1]),
            first_image_name=Subquery(first_image.values("image")[:1]),
            first_image_alt=Subquery(first_image.values("alt")[:1]),
        )
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.filter(is_active=True)
                .select_related("stock")
                .only(
                    "product_id",
                    "label",
                    "price_cents",
                    "net_quantity",
                    "estimated_weight_g",
                    "stock__remaining",
                )
                .order_by("position", "pk"),
                to_attr="active_variants",
            ),
        )
    )


def product_search_list(*, hub: Hub, query: str) -> QuerySet[Product]:
    """Return the products on sale at a hub that match a search query, best first."""
    return _with_relations(product_search(_on_sale(hub), query))


def product_latest(*, hub: Hub, limit: int = HOME_PRODUCTS) -> list[CardStub]:
    """Return the products most recently put on sale at a hub."""
    return card_stubs(list(_on_sale(hub).order_by("-created_at", "-pk").values_list("pk", flat=True)[:limit]))


def card_stubs(product_ids: Iterable[int]) -> list[CardStub]:
    """Return the stubs of products, in the given order, in one light query."""
    ids = list(product_ids)
    offers: dict[int, list[tuple[int, int, int]]] = {pk: [] for pk in ids}
    rows = (
        Variant.objects.filter(product_id__in=ids, is_active=True)
        .order_by("position", "pk")
        .values_list("product_id", "pk", "price_cents", "stock__remaining")
    )
    for product_id, variant_id, price_cents, remaining in rows:
        offers[product_id].append((variant_id, price_cents, stock_band(remaining or 0)))
    return [CardStub(product_id=pk, offers=tuple(offers[pk])) for pk in ids]


def card_stub(card: ProductCard) -> CardStub:
    """Return the stub of a loaded card (to check that it still matches)."""
    return CardStub(
        product_id=card.product.pk,
        offers=tuple((o.variant.pk, o.price_cents, stock_band(o.available)) for o in card.offers),
    )


def product_cards_by_id(product_ids: Iterable[int]) -> dict[int, ProductCard]:
    """Return the cards of products by id, whatever they are now (on sale or not)."""
    products = for_cards(Product.objects.filter(pk__in=list(product_ids)))
    return {product.pk: product_card(product) for product in products}


def product_card(product: Product) -> ProductCard:
    """Return the card of a product loaded through :func:`product_list`."""
    variants = getattr(product, "active_variants", None)
    images = getattr(product, "ordered_images", None)
    if variants is None:
        variants = list(product.variants.filter(is_active=True).select_related("stock"))
    if images is None and hasattr(product, "first_image_id"):
        images = (
            [ProductImage(pk=product.first_image_id, product_id=product.pk, image=product.first_image_name, alt=product.first_image_alt)]
            if product.first_image_id is not None
            else []
        )
    if images is None:
        images = list(product.images.all())
    return ProductCard(
        product=product,
        offers=tuple(variant_offer(v, product) for v in variants),
        image=images[0] if images else None,
    )


def product_cards(products: Iterable[Product]) -> list[ProductCard]:
    return [product_card(product) for product in products]


def _tax_rate_bp(hub: Hub, product: Product) -> int:
    regime = (
        product.producer.vat_regime if hub.selling_mode == SellingMode.MARKETPLACE else hub.vat_regime
    )
    try:
        return tax_rules.rate_bp(
            product.tax_category, seller_charges_vat=regime != VatRegime.FRANCHISE
        )
    except KeyError:
        return tax_rules.STANDARD_RATE_BP


def product_detail_load(*, hub: Hub, product_id: int, version: int) -> ProductDetail | None:
    """Return the full product page of a hub's product, or None when it is not on sale.

    ``version`` is the hub's content version read before this call: what is
    kept in the cache from the result is kept under it.
    """
    product = _with_relations(_on_sale(hub)).filter(pk=product_id).first()
    if product is None:
        return None
    card = product_card(product)
    labels = {choice.value: choice.label for choice in Allergen}
    codes = product.allergens if isinstance(product.allergens, list) else []
    return ProductDetail(
        product=card.product,
        offers=card.offers,
        image=card.image,
        images=tuple(product.ordered_images),
        allergen_labels=tuple(str(labels[code]) for code in codes if code in labels),
        tax_rate_bp=_tax_rate_bp(hub, product),
        content_version=version,
    )


def _page_stub_rows(hub_id: int, slug: str) -> QuerySet:
    return (
        Variant.objects.filter(
            product__hub_id=hub_id,
            product__slug=slug,
            product__is_active=True,
            product__producer__is_active=True,
            is_active=True,
        )
        .order_by("position", "pk")
        .values_list("product_id", "pk", "price_cents", "stock__remaining")
    )


#: Stand for the hub id and the slug in the compiled query of
#: :func:`product_page_stub`; no hub or product has them.
_HUB_MARK = -7_310_529_001
_SLUG_MARK = "\x00slug\x00"


@memoize
def _page_stub_sql(alias: str, vendor: str) -> tuple[str, tuple] | None:
    """The SQL of :func:`_page_stub_rows` for a database, with marks for its two values.

    None if the marks cannot be told apart from the other parameters (the
    query then goes through the ORM on every call).
    """
    sql, params = _page_stub_rows(_HUB_MARK, _SLUG_MARK).query.get_compiler(using=alias).as_sql()
    if params.count(_HUB_MARK) != 1 or params.count(_SLUG_MARK) != 1:
        return None
    return sql, tuple(params)


def product_page_stub(*, hub: Hub, slug: str) -> CardStub | None:
    """Return the stub of a product page of a hub, or None when it is unknown or not on sale.

    One light query reads the product's id and the price and stock band of
    each variant on sale: they key the page kept in the cache (see
    ``catalog_cards.product_page``), so a changed price or band is never
    served stale. It runs on every view of the page, so its SQL is compiled
    by the ORM once per database and only bound to the hub and slug here.
    """
    alias = router.db_for_read(Variant)
    compiled = _page_stub_sql(alias, connections[alias].vendor)
    if compiled is None:
        rows = list(_page_stub_rows(hub.pk, slug))
    else:
        sql, marked = compiled
        params = tuple(
            hub.pk if value == _HUB_MARK else slug if value == _SLUG_MARK else value for value in marked
        )
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    if not rows:
        return None
    return CardStub(
        product_id=rows[0][0],
        offers=tuple((variant_id, price, stock_band(remaining or 0)) for _, variant_id, price, remaining in rows),
    )


@dataclass(frozen=True)
class HubLists:
    """The categories with products on sale and the active producers of a hub."""

    categories: list[Category]
    producers: list[Producer]


def _load_categories(hub: Hub) -> list[Category]:
    on_sale = _on_sale(hub).filter(category=OuterRef("pk"))
    return list(Category.objects.filter(Exists(on_sale), hub=hub).order_by("position", "name"))


def _load_producers(hub: Hub) -> list[Producer]:
    return list(Producer.objects.filter(hub=hub, is_active=True).order_by("name"))


_LIST_LOADERS = {"categories": _load_categories, "producers": _load_producers}


def _kept_lists(hub: Hub, *names: str) -> dict[str, list]:
    """Return lists of a hub's catalog, kept in the cache until its content version moves."""
    version = content_version(hub.pk)
    keys = {name: f"catalog-list:{hub.pk}:{version}:{name}" for name in names}
    found = cache.get_many(keys.values())
    lists, missing = {}, {}
    for name, key in keys.items():
        if key in found:
            lists[name] = found[key]
        else:
            lists[name] = missing[key] = _LIST_LOADERS[name](hub)
    if missing:
        cache.set_many(missing, timeout=CACHED_LISTS_TTL_S)
    return lists


def hub_lists(*, hub: Hub) -> HubLists:
    """Return the category and producer lists of a hub (filters, home page), in one cache read."""
    return HubLists(**_kept_lists(hub, "categories", "producers"))


def category_list(*, hub: Hub) -> list[Category]:
    """Return the categories of a hub that have products on sale."""
    return _kept_lists(hub, "categories")["categories"]


def category_get(*, hub: Hub, slug: str) -> Category | None:
    return Category.objects.filter(hub=hub, slug=slug).first()


def producer_list(*, hub: Hub) -> list[Producer]:
    """Return the active producers of a hub."""
    return _kept_lists(hub, "producers")["producers"]


def producer_get(*, hub: Hub, slug: str) -> Producer | None:
    return Producer.objects.filter(hub=hub, slug=slug, is_active=True).first()
