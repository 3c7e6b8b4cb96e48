from django.urls import reverse

from tests import factories
from tests.catalog.utils import frn, html


def test_hub_pages_have_shop_navigation(client, shop):
    """A hub page links its products, producers and basket, and has a labelled search form."""
    response = client.get(reverse("catalog:hub_home", kwargs={"hub_slug": shop.hub.slug}))

    page = html(response)
    assert f'href="/{shop.hub.slug}/products/"' in page
    assert f'href="/{shop.hub.slug}/producers/"' in page
    assert f'action="/{shop.hub.slug}/search/"' in page
    assert '<label class="visually-hidden" for="nav-search-q">' in page
    assert f'class="basket-link" href="/{shop.hub.slug}/basket/"' in page
    assert frn("%(counter)s item", "%(counter)s items", 0) in page


def test_basket_count_adds_up_the_quantities(client, shop):
    """The navigation counts the items of the basket at this hub."""
    add = reverse("cart:add", kwargs={"hub_slug": shop.hub.slug})
    client.post(add, {"variant": shop.variant(0).pk, "quantity": 2})
    client.post(add, {"variant": shop.variant(1).pk, "quantity": 1})
    other = factories.make_shop()

    here = client.get(reverse("catalog:product_list", kwargs={"hub_slug": shop.hub.slug}))
    there = client.get(reverse("catalog:product_list", kwargs={"hub_slug": other.hub.slug}))

    assert frn("%(counter)s item", "%(counter)s items", 3) in html(here)
    assert frn("%(counter)s item", "%(counter)s items", 0) in html(there)


def test_site_home_has_no_shop_navigation(client, db):
    """Pages outside a hub show no basket link."""
    factories.hub()
    factories.hub()

    response = client.get(reverse("web:home"))

    assert response.status_code == 200
    assert "basket-link" not in html(response)
