"""Basket pages: add, change, remove, and every refusal without a 500."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from panier.cart.errors import InvalidQuantity, NotEnoughStock, ProductUnavailable
from panier.cart.models import Cart, CartLine
from panier.catalog.models import Variant
from panier.inventory.models import Stock
from tests import factories
from tests.catalog.utils import fr, frn, html, shows, variant


def url(name, shop):
    return reverse(f"cart:{name}", kwargs={"hub_slug": shop.hub.slug})


def lines(shop):
    """The basket lines of the shop as {variant id: quantity}."""
    return dict(CartLine.objects.filter(cart__hub=shop.hub).values_list("variant_id", "quantity"))


def add(client, shop, variant_id, quantity, **extra):
    return client.post(url("add", shop), {"variant": variant_id, "quantity": quantity, **extra})


def message(exc_class):
    with translation.override("fr"):
        return str(exc_class.default_message)


def test_add_puts_the_variant_in_the_basket_and_redirects(client, shop):
    """Adding 2 units creates the line and goes to the basket with a message."""
    v = shop.variant(0)

    response = add(client, shop, v.pk, "2")

    assert response.status_code == 302
    assert response["Location"] == url("detail", shop)
    assert lines(shop) == {v.pk: 2}
    page = client.get(url("detail", shop))
    assert shows(page, fr("“%(name)s” was added to your basket.") % {"name": "Tomme de chèvre"})


def test_add_twice_adds_up(client, shop):
    """Adding the same variant again raises the quantity of its line."""
    v = shop.variant(0)

    add(client, shop, v.pk, 2)
    add(client, shop, v.pk, 3)

    assert lines(shop) == {v.pk: 5}


def test_add_redirects_to_a_same_site_next_only(client, shop):
    """``next`` is followed when it is a path of the site, ignored otherwise."""
    v = shop.variant(0)
    product_path = reverse("catalog:product", kwargs={"hub_slug": shop.hub.slug, "slug": shop.products[0].slug})

    local = add(client, shop, v.pk, 1, next=product_path)
    absolute = add(client, shop, v.pk, 1, next="https://evil.example/")
    scheme_relative = add(client, shop, v.pk, 1, next="//evil.example/")
    backslash = add(client, shop, v.pk, 1, next="/\\evil.example/")
    newline = add(client, shop, v.pk, 1, next="/ok\r\nSet-Cookie: x=1")

    assert local["Location"] == product_path
    assert absolute["Location"] == url("detail", shop)
    assert scheme_relative["Location"] == url("detail", shop)
    assert backslash["Location"] == url("detail", shop)
    assert newline["Location"] == url("detail", shop)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"variant": "999999", "quantity": "1"}, ProductUnavailable),
        ({"variant": "abc", "quantity": "1"}, ProductUnavailable),
        ({"variant": "-3", "quantity": "1"}, ProductUnavailable),
        ({"variant": str(10**30), "quantity": "1"}, ProductUnavailable),
        ({"quantity": "1"}, ProductUnavailable),
        ({"variant": "VARIANT", "quantity": "0"}, InvalidQuantity),
        ({"variant": "VARIANT", "quantity": "-1"}, InvalidQuantity),
        ({"variant": "VARIANT", "quantity": str(10**9)}, InvalidQuantity),
        ({"variant": "VARIANT", "quantity": "100"}, InvalidQuantity),
        ({"variant": "VARIANT", "quantity": "abc"}, InvalidQuantity),
        ({"variant": "VARIANT", "quantity": "1.5"}, InvalidQuantity),
        ({"variant": "VARIANT", "quantity": ""}, InvalidQuantity),
        ({"variant": "VARIANT"}, InvalidQuantity),
        ({}, InvalidQuantity),
    ],
)
def test_add_refuses_bad_input_with_400(client, shop, data, error):
    """Bad input re-renders the basket with a message and a 400; the basket is unchanged."""
    kept = shop.variant(1)
    add(client, shop, kept.pk, 1)
    data = {key: str(shop.variant(0).pk) if value == "VARIANT" else value for key, value in data.items()}

    response = client.post(url("add", shop), data)

    assert response.status_code == 400
    assert shows(response, message(error))
    assert lines(shop) == {kept.pk: 1}


def test_add_refuses_another_hubs_variant(client, shop):
    """A variant of another hub is refused as unavailable (400) and not added."""
    other = factories.make_shop()

    response = add(client, shop, other.variant(0).pk, 1)

    assert response.status_code == 400
    assert shows(response, message(ProductUnavailable))
    assert lines(shop) == {}
    assert lines(other) == {}


def test_add_refuses_an_inactive_variant(client, shop):
    """A variant taken off sale cannot be added."""
    v = shop.variant(0)
    Variant.objects.filter(pk=v.pk).update(is_active=False)

    response = add(client, shop, v.pk, 1)

    assert response.status_code == 400
    assert lines(shop) == {}


def test_sold_out_variant_cannot_be_added(client, shop):
    """A sold-out variant is refused with 409 and a "sold out" message."""
    v = shop.variant(0)
    Stock.objects.filter(variant=v).update(remaining=0)

    response = add(client, shop, v.pk, 1)

    assert response.status_code == 409
    assert shows(response, NotEnoughStock(0).message)
    assert lines(shop) == {}


def test_variant_without_stock_row_cannot_be_added(client, shop):
    """A variant with no stock row is not for sale."""
    v = variant(shop.products[0], sku="NOSTOCK", label="1 kg", price_cents=1000, stock=None)

    response = add(client, shop, v.pk, 1)

    assert response.status_code == 409
    assert lines(shop) == {}


def test_adding_more_than_the_stock_is_refused(client, shop):
    """Asking for more than is left answers 409 with what is left; the line stays as it was."""
    v = shop.variant(2)  # 3 bottles left
    add(client, shop, v.pk, 2)

    response = add(client, shop, v.pk, 2)

    assert response.status_code == 409
    with translation.override("fr"):
        expected = NotEnoughStock(3).message
    assert shows(response, expected)
    assert lines(shop) == {v.pk: 2}


@pytest.mark.parametrize("name", ["add", "update", "remove"])
def test_basket_actions_refuse_get(client, shop, name):
    """The basket actions only accept POST: GET answers 405."""
    assert client.get(url(name, shop)).status_code == 405


def test_basket_page_refuses_post(client, shop):
    """The basket page is read-only: POST answers 405."""
    assert client.post(url("detail", shop)).status_code == 405


def test_update_sets_the_quantity_and_zero_removes(client, shop):
    """update sets a new quantity; 0 removes the line."""
    first, second = shop.variant(0), shop.variant(1)
    add(client, shop, first.pk, 1)
    add(client, shop, second.pk, 1)

    changed = client.post(url("update", shop), {"variant": first.pk, "quantity": "4"})
    removed = client.post(url("update", shop), {"variant": second.pk, "quantity": "0"})

    assert changed.status_code == 302
    assert removed.status_code == 302
    assert lines(shop) == {first.pk: 4}


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"variant": "VARIANT", "quantity": "-1"}, 400),
        ({"variant": "VARIANT", "quantity": "abc"}, 400),
        ({"variant": "VARIANT", "quantity": str(10**9)}, 400),
        ({"variant": "VARIANT"}, 400),
        ({"quantity": "2"}, 400),
        ({"variant": "999999", "quantity": "2"}, 400),
        ({"variant": "VARIANT", "quantity": "11"}, 409),
    ],
)
def test_update_refuses_bad_input(client, shop, data, status):
    """A bad update is refused with a message and leaves the basket as it was."""
    v = shop.variant(0)  # 10 left
    add(client, shop, v.pk, 2)
    data = {key: str(v.pk) if value == "VARIANT" else value for key, value in data.items()}

    response = client.post(url("update", shop), data)

    assert response.status_code == status
    assert 'class="msg-error"' in html(response)
    assert lines(shop) == {v.pk: 2}


def test_update_without_a_basket_is_refused(client, shop):
    """Updating before anything was added answers 400 and creates no basket."""
    response = client.post(url("update", shop), {"variant": shop.variant(0).pk, "quantity": "2"})

    assert response.status_code == 400
    assert Cart.objects.filter(hub=shop.hub).count() == 0


def test_remove_deletes_the_line(client, shop):
    """remove deletes the line of the variant."""
    first, second = shop.variant(0), shop.variant(1)
    add(client, shop, first.pk, 1)
    add(client, shop, second.pk, 1)

    response = client.post(url("remove", shop), {"variant": first.pk})

    assert response.status_code == 302
    assert lines(shop) == {second.pk: 1}


@pytest.mark.parametrize("data", [{}, {"variant": "abc"}, {"variant": str(10**30)}])
def test_remove_refuses_bad_input(client, shop, data):
    """A bad remove answers 400 and keeps the basket."""
    v = shop.variant(0)
    add(client, shop, v.pk, 1)

    response = client.post(url("remove", shop), data)

    assert response.status_code == 400
    assert lines(shop) == {v.pk: 1}


def test_anonymous_basket_persists_in_the_session(client, shop):
    """An anonymous visitor finds the basket again on later pages."""
    v = shop.variant(1)
    add(client, shop, v.pk, 2)

    basket = client.get(url("detail", shop))
    home = client.get(reverse("catalog:hub_home", kwargs={"hub_slug": shop.hub.slug}))

    assert shows(basket, "Miel de lavande")
    assert shows(basket, "21,10\xa0€")
    assert shows(home, frn("%(counter)s item", "%(counter)s items", 2))
    assert Cart.objects.filter(hub=shop.hub).count() == 1


def test_another_visitor_has_another_basket(client, shop):
    """Two sessions never share a basket."""
    add(client, shop, shop.variant(0).pk, 1)

    other = Client().get(url("detail", shop))

    assert not shows(other, "Tomme de chèvre")
    assert shows(other, fr("Your basket is empty."))


def test_logged_in_customer_basket_is_theirs(client, shop):
    """A logged-in customer's basket belongs to the account."""
    customer = factories.user()
    client.force_login(customer)

    add(client, shop, shop.variant(0).pk, 3)

    assert Cart.objects.get(hub=shop.hub).user == customer
    assert shows(client.get(url("detail", shop)), "Tomme de chèvre")


def test_basket_groups_lines_by_producer_with_totals(client, shop):
    """The basket page groups lines by producer and shows line and goods totals."""
    add(client, shop, shop.variant(0).pk, 2)  # 2 × 6.50
    add(client, shop, shop.variant(1).pk, 1)  # 10.55
    add(client, shop, shop.variant(2).pk, 1)  # 24.00

    response = client.get(url("detail", shop))

    page = html(response).split("<h1>", 1)[1]
    assert response.status_code == 200
    assert page.count('class="basket-group"') == 2
    assert page.index("Fromagerie du Col") < page.index("Tomme de chèvre") < page.index("Miellerie des Baous")
    assert page.index("Miellerie des Baous") < page.index("Miel de lavande")
    assert '<td class="line-total">13,00\xa0€</td>' in page
    assert '<td class="line-total">24,00\xa0€</td>' in page
    assert shows(response, "47,55\xa0€")


def test_basket_shows_a_short_stock_message(client, shop):
    """When the stock drops below a line's quantity, the line says how many are left."""
    v = shop.variant(0)
    add(client, shop, v.pk, 3)
    Stock.objects.filter(variant=v).update(remaining=1)

    response = client.get(url("detail", shop))

    assert response.status_code == 200
    assert shows(
        response,
        frn(
            "Only %(counter)s left in stock: lower the quantity to check out.",
            "Only %(counter)s left in stock: lower the quantity to check out.",
            1,
        ),
    )
    assert "has-problem" in html(response)


def test_basket_shows_a_sold_out_line(client, shop):
    """A line whose product sold out since it was added is marked sold out."""
    v = shop.variant(0)
    add(client, shop, v.pk, 1)
    Stock.objects.filter(variant=v).update(remaining=0)

    response = client.get(url("detail", shop))

    assert shows(response, fr("This product is sold out: remove it to check out."))


def test_empty_basket_page(client, shop):
    """A visitor without a basket sees an empty basket, not an error."""
    response = client.get(url("detail", shop))

    assert response.status_code == 200
    assert shows(response, fr("Your basket is empty."))
    assert Cart.objects.count() == 0


def test_basket_of_another_hub_is_separate(client, shop):
    """A basket belongs to one hub: another hub's basket page is empty."""
    other = factories.make_shop()
    add(client, shop, shop.variant(0).pk, 1)

    response = client.get(url("detail", other))

    assert shows(response, fr("Your basket is empty."))


def test_basket_page_runs_a_bounded_number_of_queries(client, shop, django_assert_max_num_queries):
    """A basket of 12 lines is shown in under 10 queries."""
    category = shop.products[0].category
    for i in range(12):
        product = factories.product(shop.producers[i % 2], category, name=f"Article {i}")
        add(client, shop, product.variants.get().pk, 1)

    with django_assert_max_num_queries(10):
        response = client.get(url("detail", shop))

    assert response.status_code == 200
    assert html(response).count('class="line-total"') == 12


def test_basket_prices_goods_sold_by_weight_at_their_estimated_weight(client, shop):
    """A line sold by weight is priced at the estimated weight and says it is an estimate."""
    product = factories.product(
        shop.producers[0], shop.products[0].category, name="Tomme à la coupe", sold_by_weight=True
    )
    product.variants.update(price_cents=2480, estimated_weight_g=350, net_quantity=None)
    add(client, shop, product.variants.get().pk, 2)

    response = client.get(url("detail", shop))

    # 24.80 € per kg × 350 g = 8.68 € per item, 17.36 € for two.
    assert '<td class="line-total">17,36\xa0€</td>' in html(response)
    assert shows(response, "24,80\xa0€/" + fr("kg"))
    assert shows(response, fr("Estimated price: the final price is set when the item is weighed."))


def test_catalog_pages_set_no_csrf_cookie(client, shop):
    """The add forms carry no CSRF token, so catalog pages set no CSRF cookie."""
    response = client.get(reverse("catalog:product_list", kwargs={"hub_slug": shop.hub.slug}))

    assert response.status_code == 200
    assert "csrftoken" not in response.cookies
    assert "csrfmiddlewaretoken" not in html(response)


def test_add_works_without_a_csrf_token_from_the_same_site(shop):
    """A same-site post without a CSRF token adds to the basket."""
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        url("add", shop),
        {"variant": shop.variant(0).pk, "quantity": 1},
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )

    assert response.status_code == 302
    assert lines(shop) == {shop.variant(0).pk: 1}


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}],
)
def test_add_refuses_cross_site_posts(client, shop, headers):
    """A post from another site is refused with 403 and adds nothing."""
    response = client.post(url("add", shop), {"variant": shop.variant(0).pk, "quantity": 1}, headers=headers)

    assert response.status_code == 403
    assert lines(shop) == {}


def test_basket_forms_keep_csrf_protection(shop):
    """Changing or removing lines still needs the CSRF token of the basket page."""
    browser = Client(enforce_csrf_checks=True)
    browser.post(url("add", shop), {"variant": shop.variant(0).pk, "quantity": 1})

    response = browser.post(url("remove", shop), {"variant": shop.variant(0).pk})

    assert response.status_code == 403
    assert lines(shop) == {shop.variant(0).pk: 1}


def test_basket_below_the_minimum_order_says_how_much_is_missing(client, shop):
    """Below the hub's minimum the basket says what to add and offers no checkout; at the minimum it does."""
    shop.hub.min_order_cents = 2000
    shop.hub.save(update_fields=["min_order_cents"])
    checkout = reverse("checkout:start", kwargs={"hub_slug": shop.hub.slug})
    add(client, shop, shop.variant(0).pk, 2)  # 2 × 6.50 = 13.00

    below = client.get(url("detail", shop))

    assert 'id="minimum-notice"' in html(below)
    assert "7,00\xa0€" in html(below).split('id="minimum-notice"', 1)[1]
    assert checkout not in html(below)

    add(client, shop, shop.variant(0).pk, 1)  # 19.50
    add(client, shop, shop.variant(0).pk, 1)  # 26.00
    reached = client.get(url("detail", shop))

    assert 'id="minimum-notice"' not in html(reached)
    assert checkout in html(reached)
