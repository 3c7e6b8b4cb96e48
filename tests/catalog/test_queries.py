"""Storefront pages run a fixed number of queries, whatever the catalog size."""

import pytest
from django.urls import reverse

from tests.catalog.utils import html, many_products

MAX_QUERIES = 10


def url(name, shop, **kw):
    return reverse(f"catalog:{name}", kwargs={"hub_slug": shop.hub.slug, **kw})


@pytest.mark.parametrize(
    "page",
    ["hub_home", "product_list", "producer_list", "category", "producer", "search"],
)
def test_catalog_pages_run_a_bounded_number_of_queries(client, shop, django_assert_max_num_queries, page):
    """With 30 more products (2 variants and a photo each) a page stays under 10 queries."""
    many_products(shop, 30)
    kwargs = {
        "category": {"slug": shop.products[0].category.slug},
        "producer": {"slug": shop.producers[0].slug},
    }.get(page, {})
    path = url(page, shop, **kwargs) + ("?q=article" if page == "search" else "")

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(path)

    assert response.status_code == 200
    if page in ("product_list", "category", "search"):
        assert html(response).count('class="card product-card"') == 24


def test_product_page_runs_a_bounded_number_of_queries(
    client, shop, django_assert_max_num_queries, django_assert_num_queries
):
    """A product page with several variants and photos.

    First visit: traffic settings, hub, prices and stock, product, variants,
    photos, the reviews summary. Then the product, the hub and the
    rendered reviews block come from the cache: prices and stock only.
    """
    product = many_products(shop, 1)[0]
    client.cookies["visited"] = "1"  # not the anonymous page cache

    with django_assert_max_num_queries(8):
        response = client.get(url("product", shop, slug=product.slug))
    assert response.status_code == 200

    with django_assert_num_queries(1):
        again = client.get(url("product", shop, slug=product.slug))
    assert again.content == response.content


def test_list_page_with_cards_in_the_cache_runs_three_queries(client, shop, django_assert_num_queries):
    """Cards, filter lists and the hub in the cache: count, ids of the page, prices and stock of its variants."""
    many_products(shop, 30)
    client.cookies["visited"] = "1"  # not the anonymous page cache
    path = url("product_list", shop) + f"?producer={shop.producers[0].slug}"
    client.get(path)

    with django_assert_num_queries(3):
        response = client.get(path)

    assert html(response).count('class="card product-card"') == 16


def test_page_with_a_basket_runs_a_bounded_number_of_queries(client, shop, django_assert_max_num_queries):
    """The basket count of the navigation costs one query, not one per line."""
    products = many_products(shop, 12)
    for product in products:
        client.post(
            reverse("cart:add", kwargs={"hub_slug": shop.hub.slug}),
            {"variant": product.variants.first().pk, "quantity": 1},
        )

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url("product_list", shop))

    assert response.status_code == 200
