"""Catalog API: hubs, categories, producers and products on sale."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from panier.catalog.models import Category
from panier.catalog.schemas import (
    CategoryPageOut,
    HubPageOut,
    ProducerPageOut,
    ProductDetailOut,
    ProductPageOut,
)
from panier.catalog.selectors import product_list, product_search_list
from panier.core.api import PageIn, SearchQuery, SlugFilter, errors, paginate, slug_or_404
from panier.core.errors import NotFound
from panier.hubs.models import Hub
from panier.hubs.selectors import hub_get_open, hub_list_open
from panier.producers.models import Producer

router = Router(tags=["catalog"])


def hub_or_404(slug: str) -> Hub:
    """Return the open hub of a URL slug, or raise NotFound."""
    hub = hub_get_open(slug=slug_or_404(slug))
    if hub is None:
        raise NotFound()
    return hub


class ProductFilterIn(Schema):
    category: SlugFilter | None = Field(None, description="Slug of a category.")
    producer: SlugFilter | None = Field(None, description="Slug of a producer.")
    q: SearchQuery | None = Field(None, description="Words of the name, description, producer or category.")


@router.get("/hubs", response={200: HubPageOut, **errors(422)}, summary="List the open hubs")
def hub_list_api(request: HttpRequest, page: Query[PageIn]):
    return paginate(hub_list_open(), page)


@router.get(
    "/hubs/{hub}/categories",
    response={200: CategoryPageOut, **errors(404, 422)},
    summary="List the categories of a hub",
)
def category_list_api(request: HttpRequest, hub: str, page: Query[PageIn]):
    shop = hub_or_404(hub)
    return paginate(Category.objects.filter(hub=shop).order_by("position", "name", "pk"), page)


@router.get(
    "/hubs/{hub}/producers",
    response={200: ProducerPageOut, **errors(404, 422)},
    summary="List the producers of a hub",
)
def producer_list_api(request: HttpRequest, hub: str, page: Query[PageIn]):
    shop = hub_or_404(hub)
    return paginate(Producer.objects.filter(hub=shop, is_active=True).order_by("name", "pk"), page)


@router.get(
    "/hubs/{hub}/products",
    response={200: ProductPageOut, **errors(404, 422)},
    summary="List the products on sale at a hub",
)
def product_list_api(request: HttpRequest, hub: str, filters: Query[ProductFilterIn], page: Query[PageIn]):
    """Filter by category slug, producer slug, or words of the name or description."""
    shop = hub_or_404(hub)
    if filters.q and filters.q.strip():
        products = product_search_list(hub=shop, query=filters.q)
    else:
        products = product_list(hub=shop)
    if filters.category:
        products = products.filter(category__slug=filters.category)
    if filters.producer:
        products = products.filter(producer__slug=filters.producer)
    return paginate(products.select_related("hub"), page)


@router.get(
    "/hubs/{hub}/products/{slug}",
    response={200: ProductDetailOut, **errors(404)},
    summary="Show a product on sale",
)
def product_detail_api(request: HttpRequest, hub: str, slug: str):
    product = product_list(hub=hub_or_404(hub)).select_related("hub").filter(slug=slug_or_404(slug)).first()
    if product is None:
        raise NotFound()
    return product
