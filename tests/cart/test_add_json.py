"""Add to basket from the page's script: JSON answers, no redirect, no message left behind."""

import pytest
from django.urls import reverse

from panier.cart.errors import InvalidQuantity, NotEnoughStock
from panier.cart.models import CartLine
from panier.cart.rules import MAX_QUANTITY
from panier.cart.services import cart_add, cart_create
from panier.inventory.models import Stock
from tests.catalog.utils import fr, frn, shows

JSON = {"Accept": "application/json"}


def url(name, shop, prefix=""):
    return prefix + reverse(f"cart:{name}", kwargs={"hub_slug": shop.hub.slug})


def lines(shop):
    return dict(CartLine.objects.filter(cart__hub=shop.hub).values_list("variant_id", "quantity"))


def add(client, shop, variant_id, quantity, path=None):
    return client.post(path or url("add", shop), {"variant": variant_id, "quantity": quantity}, headers=JSON)


def test_add_answers_the_message_and_the_basket_count(client, shop):
    """The script gets the message and the navigation's new count; the page is not left."""
    first, second = shop.variant(0), shop.variant(1)

    one = add(client, shop, first.pk, 2)
    two = add(client, shop, second.pk, 1)
    three = add(client, shop, first.pk, 1)

    assert [r.status_code for r in (one, two, three)] == [200, 200, 200]
    assert [r.json()["count"] for r in (one, two, three)] == [2, 3, 4]
    body = three.json()
    assert body["count_label"] == f"({frn('%(counter)s item', '%(counter)s items', 4)})"
    assert body["message"] == fr("“%(name)s” was added to your basket.") % {"name": "Tomme de chèvre"}
    assert body["basket_url"] == url("detail", shop)
    assert lines(shop) == {first.pk: 3, second.pk: 1}


def test_the_count_label_is_in_the_pages_language(client, shop):
    body = add(client, shop, shop.variant(0).pk, 1, path=url("add", shop, prefix="/en")).json()

    assert body["count_label"] == "(1 item)"
    assert body["message"].endswith("was added to your basket.")


def test_the_count_is_the_one_the_next_page_shows(client, shop):
    """The count the script writes matches what the navigation shows on the next page view."""
    add(client, shop, shop.variant(0).pk, 2)
    body = add(client, shop, shop.variant(1).pk, 3).json()

    page = client.get(reverse("catalog:product", kwargs={"hub_slug": shop.hub.slug, "slug": shop.products[0].slug}))

    assert shows(page, body["count_label"])


def test_no_message_waits_for_the_next_page(client, shop):
    """The script shows the message itself: the next page neither repeats it nor misses the cache for it."""
    add(client, shop, shop.variant(0).pk, 1)

    page = client.get(url("detail", shop))

    assert not shows(page, fr("“%(name)s” was added to your basket.") % {"name": "Tomme de chèvre"})


@pytest.mark.parametrize(
    ("quantity", "status", "code"),
    [("0", 422, "invalid_quantity"), ("abc", 422, "invalid_quantity"), (str(MAX_QUANTITY + 1), 422, "invalid_quantity")],
)
def test_bad_quantities_answer_a_json_error(client, shop, quantity, status, code):
    response = add(client, shop, shop.variant(0).pk, quantity)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["fields"] == {"quantity": [response.json()["message"]]}
    assert lines(shop) == {}


def test_an_unknown_variant_answers_404_product_unavailable(client, shop):
    response = add(client, shop, 987654321, 1)

    assert (response.status_code, response.json()["code"]) == (404, "product_unavailable")
    assert lines(shop) == {}


def test_more_than_the_stock_answers_409_with_what_is_left(client, shop):
    """3 bottles left, 2 in the basket: 2 more are refused and the line keeps its 2."""
    v = shop.variant(2)
    add(client, shop, v.pk, 2)

    response = add(client, shop, v.pk, 2)

    assert response.status_code == 409
    assert response.json()["code"] == "stock_insufficient"
    assert response.json()["message"] == str(NotEnoughStock(3).message)
    assert lines(shop) == {v.pk: 2}


def test_cross_site_posts_are_refused_in_json_too(client, shop):
    response = client.post(
        url("add", shop), {"variant": shop.variant(0).pk, "quantity": 1}, headers={**JSON, "Origin": "https://evil.example"}
    )

    assert (response.status_code, response.json()["code"]) == (403, "cross_site")
    assert lines(shop) == {}


def test_a_browser_asking_for_html_still_gets_the_redirect(client, shop):
    response = client.post(
        url("add", shop), {"variant": shop.variant(0).pk, "quantity": 1},
        headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    )

    assert (response.status_code, response["Location"]) == (302, url("detail", shop))


# The service under the two answers.

def test_cart_add_returns_the_line_and_the_basket_count(shop):
    cart = cart_create(hub=shop.hub)
    cart_add(cart=cart, variant_id=shop.variant(1).pk, quantity=4)

    line = cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=2)
    again = cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity="3")

    assert (line.quantity, line.basket_count) == (2, 6)
    assert (again.pk, again.quantity, again.basket_count) == (line.pk, 5, 9)
    assert again.variant.product.display_name == "Tomme de chèvre"
    assert CartLine.objects.get(pk=line.pk).quantity == 5


def test_cart_add_past_the_largest_quantity_is_invalid_even_with_stock(shop):
    Stock.objects.filter(variant=shop.variant(0)).update(remaining=1000)
    cart = cart_create(hub=shop.hub)
    cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=MAX_QUANTITY)

    with pytest.raises(InvalidQuantity):
        cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=1)
    assert CartLine.objects.get(cart=cart).quantity == MAX_QUANTITY


def test_cart_add_stamps_the_basket(shop):
    cart = cart_create(hub=shop.hub)
    before = cart.updated_at

    cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=1)

    cart.refresh_from_db()
    assert cart.updated_at > before
