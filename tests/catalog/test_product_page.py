"""The product page kept in the cache is the page rendered fresh, never a stale one.

The visitor has a cookie, so the anonymous page cache steps aside and every
request runs the view; only the page body comes from the cache.
"""

import pytest
from django.urls import reverse
from django.utils import translation

from panier.catalog.invalidation import content_version_bump
from panier.catalog.models import Product, Variant
from panier.catalog.selectors import CardStub, product_page_stub
from panier.hubs.models import Hub
from panier.inventory.models import Stock
from tests import factories
from tests.catalog.utils import html, shows, variant


def page_url(shop, product, language=""):
    return language + reverse("catalog:product", kwargs={"hub_slug": shop.hub.slug, "slug": product.slug})


@pytest.mark.parametrize(("language", "title"), [("", "Tomme de chèvre"), ("/en", "Goat tomme")])
def test_kept_page_is_the_page_rendered_fresh(client, shop, language, title):
    """The second view, from the cache, differs from the first only by its own return path."""
    client.cookies["visited"] = "1"
    product = shop.products[0]
    Product.objects.filter(pk=product.pk).update(name_en="Goat tomme")
    path = page_url(shop, product, language)

    fresh = client.get(path)
    kept = client.get(path + "?sort=rating")

    assert fresh.status_code == kept.status_code == 200
    assert f"<title>{title} – {shop.hub.name}</title>" in html(fresh)
    assert f"<h1>{title}</h1>" in html(fresh)
    assert f'name="next" value="{path}"' in html(fresh)
    assert f'name="next" value="{path}?sort=rating"' in html(kept)
    assert html(kept).replace("?sort=rating", "") == html(fresh)
    assert "\x00" not in html(kept)


def test_french_and_english_pages_are_kept_apart(client, shop):
    """An English view never shows the French page kept in the cache, nor the reverse."""
    client.cookies["visited"] = "1"
    product = shop.products[0]
    Product.objects.filter(pk=product.pk).update(name_en="Goat tomme")
    client.get(page_url(shop, product))

    english = client.get(page_url(shop, product, "/en"))
    translation.activate("fr")  # as a new request in French finds it
    french = client.get(page_url(shop, product))

    assert "<h1>Goat tomme</h1>" in html(english)
    assert 'href="/en/' in html(english).split('class="breadcrumb"')[1]
    assert "<h1>Tomme de chèvre</h1>" in html(french)


def test_a_page_of_an_older_content_version_is_not_served(client, shop):
    """Once the hub's content version moved, the kept page gives way, title included."""
    client.cookies["visited"] = "1"
    product = shop.products[0]
    client.get(page_url(shop, product))
    Product.objects.filter(pk=product.pk).update(name="Tomme affinée")  # no signal

    before_the_move = client.get(page_url(shop, product))
    content_version_bump(shop.hub.pk)
    after_the_move = client.get(page_url(shop, product))

    assert "<h1>Tomme de chèvre</h1>" in html(before_the_move)
    assert "<h1>Tomme affinée</h1>" in html(after_the_move)
    assert f"<title>Tomme affinée – {shop.hub.name}</title>" in html(after_the_move)


def test_a_renamed_hub_shows_in_the_breadcrumb_at_once(client, shop):
    """The kept page names the hub in its breadcrumb: a new name replaces it."""
    client.cookies["visited"] = "1"
    product = shop.products[0]
    client.get(page_url(shop, product))
    hub = Hub.objects.get(pk=shop.hub.pk)
    hub.name = "Les Paniers du Port"
    hub.save()

    response = client.get(page_url(shop, product))

    assert shows(response, "Les Paniers du Port")
    assert "Les Paniers du Port" in html(response).split('class="breadcrumb"')[1].split("</nav>")[0]


def test_sold_out_and_low_stock_variants_show_as_they_are_now(client, shop):
    """Each variant shows its own band, from a kept page or not."""
    client.cookies["visited"] = "1"
    product = shop.products[0]
    first = product.variants.get()
    second = variant(product, sku="TOMME-2", label="1 kg", price_cents=1200, stock=0, position=1)
    client.get(page_url(shop, product))

    Stock.objects.filter(variant=first).update(remaining=2)
    Stock.objects.filter(variant=second).update(remaining=9)
    response = client.get(page_url(shop, product))

    offers = html(response).split('class="offers"')[1].split("</ul>")[0]
    assert offers.index("low-stock") < offers.index("in-stock")
    assert "sold-out" not in offers


def test_product_page_stub_reads_each_variant_on_sale(shop):
    """The stub holds the product and the id, price and stock band of each variant on sale, in order."""
    product = shop.products[0]
    first = product.variants.get()
    Stock.objects.filter(variant=first).update(remaining=3)
    no_stock_row = variant(product, sku="TOMME-2", label="1 kg", price_cents=1200, stock=None, position=2)
    plenty = variant(product, sku="TOMME-3", label="2 kg", price_cents=2300, stock=40, position=1)
    variant(product, sku="TOMME-4", label="5 kg", price_cents=5000, stock=8, is_active=False)

    stub = product_page_stub(hub=shop.hub, slug=product.slug)

    assert stub == CardStub(
        product_id=product.pk,
        offers=((first.pk, 650, 3), (plenty.pk, 2300, 6), (no_stock_row.pk, 1200, 0)),
    )


def test_product_page_stub_is_none_off_sale_or_elsewhere(shop):
    """Unknown slugs, other hubs' products, inactive products or producers, and variants all off sale give None."""
    other = factories.make_shop()
    tomme, miel, vin = shop.products
    Product.objects.filter(pk=tomme.pk).update(is_active=False)
    miel.producer.is_active = False
    miel.producer.save()
    Variant.objects.filter(product=vin).update(is_active=False)

    assert product_page_stub(hub=shop.hub, slug="nothing-here") is None
    assert product_page_stub(hub=shop.hub, slug=other.products[0].slug) is None
    assert product_page_stub(hub=shop.hub, slug=tomme.slug) is None
    assert product_page_stub(hub=shop.hub, slug=miel.slug) is None
    assert product_page_stub(hub=shop.hub, slug=vin.slug) is None
    assert product_page_stub(hub=other.hub, slug=other.products[0].slug) is not None


def test_product_page_loads_the_shop_script_as_the_lists_do(client, shop):
    """The product page carries the same add-to-basket script tag as the product list."""
    listing = client.get(reverse("catalog:product_list", kwargs={"hub_slug": shop.hub.slug}))
    script = next(line.strip() for line in html(listing).splitlines() if "web/panier" in line and "<script" in line)

    response = client.get(page_url(shop, shop.products[0]))

    assert html(response).count(script) == 1


def test_a_lost_content_version_never_comes_back_to_an_earlier_number(shop):
    """Evicted alone, the content version restarts above every number it had, so no kept part matches again."""
    from django.core.cache import cache

    from panier.catalog.invalidation import _content_key, content_version

    hub_id = shop.hub.pk
    first = content_version(hub_id)
    content_version_bump(hub_id)
    bumped = content_version(hub_id)
    assert bumped == first + 1
    cache.delete(_content_key(hub_id))
    assert content_version(hub_id) > bumped
    cache.delete(_content_key(hub_id))
    content_version_bump(hub_id)
    assert content_version(hub_id) > bumped
