from django.core.cache import cache
from django.test import Client

from panier.cart.models import CartLine
from panier.traffic.pagecache import hub_ids_forget


def test_product_pages_set_no_cookie_so_they_can_be_cached(shop, settings):
    """An anonymous product page carries no per-visitor token and is cached."""
    settings.PANIER_PAGE_CACHE = True
    cache.clear()
    hub_ids_forget()
    url = f"/{shop.hub.slug}/p/{shop.products[0].slug}/"

    first = Client().get(url)
    second = Client().get(url)

    assert first.status_code == 200
    assert not first.cookies
    assert second["X-Panier-Cache"] == "hit"


def test_adding_to_the_basket_from_a_cached_page_needs_no_token(shop):
    """A same-origin POST without CSRF token adds to the basket."""
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        f"/{shop.hub.slug}/basket/add/",
        {"variant": shop.variant(0).pk, "quantity": "2"},
        HTTP_ORIGIN="http://testserver",
    )

    assert response.status_code in (200, 302)
    assert CartLine.objects.get().quantity == 2


def test_a_cross_site_post_to_the_basket_is_refused(shop):
    """Another site cannot fill a visitor's basket."""
    client = Client(enforce_csrf_checks=True)

    by_origin = client.post(f"/{shop.hub.slug}/basket/add/", {"variant": shop.variant(0).pk, "quantity": "1"},
                            HTTP_ORIGIN="https://evil.example")
    by_fetch_site = client.post(f"/{shop.hub.slug}/basket/add/", {"variant": shop.variant(0).pk, "quantity": "1"},
                                HTTP_SEC_FETCH_SITE="cross-site")

    assert by_origin.status_code == 403
    assert by_fetch_site.status_code == 403
    assert not CartLine.objects.exists()
