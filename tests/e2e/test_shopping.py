"""A new customer shops with a real browser, from browsing to confirmation."""

import pytest

from panier.cart.models import CartLine
from panier.orders.models import Order, OrderStatus
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _add_to_basket(page, url, quantity):
    """Add from the product page; the page's script posts it and the page stays."""
    page.goto(url)
    form = page.locator("form.add-form").first
    form.locator("input[name=quantity]").fill(str(quantity))
    with page.expect_response(lambda response: "/basket/add/" in response.url) as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 200
    page.locator("ul.messages li.msg-success").wait_for()
    assert page.url == url


def test_new_customer_orders_from_two_producers_with_home_delivery(live_server, page, tmp_path):
    """Browse, fill a basket from two producers, check out with delivery, pay, see the confirmation."""
    shop = factories.make_shop()
    cheese, honey = shop.products[0], shop.products[1]
    base = live_server.url

    page.goto(f"{base}/{shop.hub.slug}/products/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.locator(f"a[href='/{shop.hub.slug}/p/{cheese.slug}/']").first.click()
    assert cheese.name in page.locator("h1").inner_text()
    _add_to_basket(page, f"{base}/{shop.hub.slug}/p/{cheese.slug}/", 2)
    _add_to_basket(page, f"{base}/{shop.hub.slug}/p/{honey.slug}/", 1)

    page.goto(f"{base}/{shop.hub.slug}/basket/")
    basket = page.locator("main").inner_text()
    assert "Fromagerie du Col" in basket
    assert "Miellerie des Baous" in basket
    page.locator(f"a[href='/{shop.hub.slug}/checkout/']").first.click()

    page.locator("input[name=fulfilment][value=delivery]").check()
    page.locator("input[name=address_line1]").fill("5 rue Rossini")
    page.locator("input[name=postal_code]").fill("06000")
    page.locator("input[name=city]").fill("Nice")
    page.locator(f"#slot-{shop.delivery_slot.pk}").check()
    page.locator("input[name=email]").fill("nouvelle.cliente@example.org")
    page.locator("input[name=first_name]").fill("Camille")
    page.locator("input[name=last_name]").fill("Roux")
    page.locator("input[name=phone]").fill("06 12 34 56 78")
    page.locator("form.checkout-form button[type=submit]").click()

    page.locator("input[name=accepted_terms]").check()
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    page.locator("button.order-button").click()

    page.locator("button[name=action][value=pay]").click()
    page.wait_for_load_state("domcontentloaded")
    order = Order.objects.get()
    assert order.number in page.locator("main").inner_text()
    assert order.status == OrderStatus.PAID
    assert order.goods_cents == 2 * 650 + 1055
    assert {line.producer.name for line in order.lines.select_related("producer")} == {
        "Fromagerie du Col",
        "Miellerie des Baous",
    }
    page.screenshot(path=str(tmp_path / "confirmation.png"), full_page=True)


def test_adding_to_the_basket_updates_the_page_without_leaving_it(live_server, page):
    """The count in the navigation and the message change in place; a refusal shows its reason."""
    shop = factories.make_shop()
    cheese = shop.products[0]
    product_url = f"{live_server.url}/{shop.hub.slug}/p/{cheese.slug}/"
    page.goto(product_url)
    assert page.locator(".basket-count").first.inner_text() == "(0 article)"

    _add_to_basket(page, product_url, 2)
    assert page.locator(".basket-count").first.inner_text() == "(2 articles)"
    assert cheese.name in page.locator("ul.messages").inner_text()

    form = page.locator("form.add-form").first
    form.locator("input[name=quantity]").fill("99")
    form.locator("button[type=submit]").click()
    page.locator("ul.messages li.msg-error").wait_for()
    assert page.url == product_url
    assert page.locator(".basket-count").first.inner_text() == "(2 articles)"
    assert list(CartLine.objects.values_list("variant__product", "quantity")) == [(cheese.pk, 2)]
