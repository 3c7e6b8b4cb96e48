"""Product cards kept in the cache are never shown stale.

The visitor here has a cookie, so the anonymous page cache steps aside and
every request runs the view; only the cards come from the cache.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from panier.catalog.models import ProductImage, Variant
from panier.inventory.models import Stock
from panier.inventory.services import stock_set
from tests.catalog.utils import fr, frn, html, many_products, shows

LIST = "catalog:product_list"


def list_url(shop, query=""):
    return reverse(LIST, kwargs={"hub_slug": shop.hub.slug}) + query


def card_loads(queries) -> int:
    """Number of queries that loaded full product rows for cards."""
    return sum('"catalog_product"."origin"' in q["sql"] for q in queries.captured_queries)


def get(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response, queries


def test_second_visit_takes_the_cards_from_the_cache(client, shop):
    """The cards are loaded and rendered once; the next request reads only ids, prices and stock."""
    client.cookies["visited"] = "1"
    first, queries = get(client, list_url(shop))
    assert card_loads(queries) == 1

    second, queries = get(client, list_url(shop))

    assert card_loads(queries) == 0
    assert html(second) == html(first)


def test_a_new_price_shows_at_once(client, shop, django_capture_on_commit_callbacks):
    """A price saved in the back office replaces the cached card."""
    client.cookies["visited"] = "1"
    get(client, list_url(shop))
    variant = shop.products[0].variants.get()
    variant.price_cents = 777
    with django_capture_on_commit_callbacks(execute=True):
        variant.save()

    response, _ = get(client, list_url(shop))

    assert shows(response, "7,77\xa0€")
    assert not shows(response, "6,50\xa0€")


def test_a_price_written_without_signals_still_shows(client, shop):
    """A bulk update sends no signal and moves no version: the price is in the card's key."""
    client.cookies["visited"] = "1"
    get(client, list_url(shop))
    Variant.objects.filter(product=shop.products[0]).update(price_cents=1234)

    response, _ = get(client, list_url(shop))

    assert shows(response, "12,34\xa0€")
    assert not shows(response, "6,50\xa0€")


def test_a_new_stock_band_shows_at_once(client, shop, django_capture_on_commit_callbacks):
    """From "in stock" to "only 2 left" to "sold out", and back, the card follows the stock."""
    client.cookies["visited"] = "1"
    variant = shop.products[0].variants.get()
    get(client, list_url(shop))

    with django_capture_on_commit_callbacks(execute=True):
        stock_set(variant_id=variant.pk, remaining=2)
    response, _ = get(client, list_url(shop))
    assert shows(response, frn("Only %(counter)s left", "Only %(counter)s left", 2))

    Stock.objects.filter(variant=variant).update(remaining=0)  # no service, no signal
    response, _ = get(client, list_url(shop))
    assert 'class="availability sold-out"' in html(response)
    assert f'<option value="{variant.pk}"' not in html(response)

    Stock.objects.filter(variant=variant).update(remaining=10)
    response, _ = get(client, list_url(shop))
    assert 'class="availability sold-out"' not in html(response)
    assert f'<option value="{variant.pk}">' in html(response)


def test_a_renamed_product_and_a_new_photo_show_at_once(client, shop, django_capture_on_commit_callbacks):
    """A catalog write moves the hub's version, which replaces every card."""
    client.cookies["visited"] = "1"
    get(client, list_url(shop))
    product = shop.products[0]
    with django_capture_on_commit_callbacks(execute=True):
        product.name = "Tomme affinée"
        product.save()
        ProductImage.objects.create(product=product, image="products/tomme.jpg", alt="Une tomme entière")

    response, _ = get(client, list_url(shop))

    assert shows(response, "Tomme affinée")
    assert shows(response, "Une tomme entière")
    assert not shows(response, "Tomme de chèvre")


def test_each_page_keeps_its_own_return_path(client, shop):
    """The add form returns to the page it was on, though the card is shared by every page."""
    many_products(shop, 30)
    client.cookies["visited"] = "1"
    get(client, list_url(shop, "?page=2"))

    response, _ = get(client, list_url(shop, f"?producer={shop.producers[0].slug}"))

    assert f'name="next" value="{list_url(shop)}?producer={shop.producers[0].slug}"' in html(response)
    assert "?page=2" not in html(response)
    assert "\x00" not in html(response)


def test_languages_have_their_own_cards(client, shop):
    """An English page never shows a French card kept in the cache, nor the reverse."""
    client.cookies["visited"] = "1"
    get(client, list_url(shop))

    response, _ = get(client, "/en" + list_url(shop))

    assert "In stock" in html(response)
    assert fr("In stock") not in html(response) or fr("In stock") == "In stock"
    assert 'href="/en/' in html(response).split('class="grid product-grid"')[1]


def test_product_page_follows_prices_stock_and_edits(client, shop, django_capture_on_commit_callbacks):
    """The product kept in the cache gives way to a new price, a new stock band and an edit."""
    client.cookies["visited"] = "1"
    product = shop.products[0]
    variant = product.variants.get()
    path = reverse("catalog:product", kwargs={"hub_slug": shop.hub.slug, "slug": product.slug})
    get(client, path)

    Variant.objects.filter(pk=variant.pk).update(price_cents=990)  # no signal
    response, _ = get(client, path)
    assert shows(response, "9,90\xa0€")

    Stock.objects.filter(variant=variant).update(remaining=1)
    response, _ = get(client, path)
    assert shows(response, frn("Only %(counter)s left", "Only %(counter)s left", 1))

    with django_capture_on_commit_callbacks(execute=True):
        product.ingredients = "Lait cru de chèvre, sel"
        product.save()
    response, _ = get(client, path)
    assert shows(response, "Lait cru de chèvre, sel")


def test_product_taken_off_sale_is_gone_at_once(client, shop):
    """A product whose variants are all off sale answers 404, cache or not."""
    client.cookies["visited"] = "1"
    product = shop.products[0]
    path = reverse("catalog:product", kwargs={"hub_slug": shop.hub.slug, "slug": product.slug})
    get(client, path)

    Variant.objects.filter(product=product).update(is_active=False)

    assert client.get(path).status_code == 404


def test_a_stock_band_change_reloads_only_that_card(client, shop, django_capture_on_commit_callbacks):
    """An order that changes one band moves the page cache's version, not the other cards'."""
    from panier.core.cache_versions import catalog_version

    client.cookies["visited"] = "1"
    get(client, list_url(shop))
    product = shop.products[0]
    before = catalog_version(shop.hub.pk)

    with django_capture_on_commit_callbacks(execute=True):
        stock_set(variant_id=product.variants.get().pk, remaining=1)
    response, queries = get(client, list_url(shop))

    assert catalog_version(shop.hub.pk) == before + 1  # whole cached pages are dropped
    loads = [q["sql"] for q in queries.captured_queries if '"catalog_product"."origin"' in q["sql"]]
    assert len(loads) == 1
    assert f"IN ({product.pk})" in loads[0]
    assert shows(response, frn("Only %(counter)s left", "Only %(counter)s left", 1))


def test_a_page_rendered_across_a_write_is_not_kept_as_the_new_one(
    client, shop, django_capture_on_commit_callbacks
):
    """A product read just before an edit and rendered just after it is not kept under the edit's version."""
    from panier.catalog.invalidation import content_version
    from panier.catalog.selectors import product_detail_load
    from panier.catalog.templatetags.catalog_cards import product_page_render
    from panier.hubs.models import Hub

    client.cookies["visited"] = "1"
    hub = Hub.objects.get(pk=shop.hub.pk)  # as the view reads it
    product = shop.products[0]
    path = reverse("catalog:product", kwargs={"hub_slug": hub.slug, "slug": product.slug})
    read_before = product_detail_load(hub=hub, product_id=product.pk, version=content_version(hub.pk))
    with django_capture_on_commit_callbacks(execute=True):
        product.ingredients = "Lait cru, présure, sel"
        product.save()
    product_page_render(read_before, hub=hub)

    response, _ = get(client, path)

    assert shows(response, "Lait cru, présure, sel")
