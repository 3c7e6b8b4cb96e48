"""Finding a basket with its lines in one query gives the same basket as finding it, then loading it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panier.cart.selectors import cart_get, cart_item_count, cart_view, cart_view_find
from panier.cart.services import cart_add, cart_create
from tests import factories

pytestmark = pytest.mark.django_db


def _same(found, expected):
    assert found.cart == expected.cart
    assert [(line.line_id, line.quantity, line.line_total_cents, line.available) for line in found.lines] == [
        (line.line_id, line.quantity, line.line_total_cents, line.available) for line in expected.lines
    ]


def test_token_basket_with_lines_in_one_query():
    shop = factories.make_shop()
    cart = cart_create(hub=shop.hub)
    variants = [product.variants.first() for product in shop.products]
    cart_add(cart=cart, variant_id=variants[1].pk, quantity=2)
    cart_add(cart=cart, variant_id=variants[0].pk, quantity=1)

    with CaptureQueriesContext(connection) as queries:
        found = cart_view_find(hub=shop.hub, token=str(cart.token))

    assert len(queries) == 1
    _same(found, cart_view(cart=cart_get(hub=shop.hub, token=cart.token)))
    assert found.item_count == 3


def test_user_basket_and_empty_baskets():
    shop = factories.make_shop()
    customer = factories.user()
    mine = cart_create(hub=shop.hub, user=customer)
    cart_add(cart=mine, variant_id=shop.products[0].variants.first().pk, quantity=1)
    empty = cart_create(hub=shop.hub)

    _same(cart_view_find(hub=shop.hub, user=customer), cart_view(cart=mine))
    # An empty basket is still found (the services add to it).
    assert cart_view_find(hub=shop.hub, token=empty.token).cart == empty
    assert cart_view_find(hub=shop.hub, token=empty.token).is_empty


@pytest.mark.parametrize("token", [None, "", "not-a-uuid", "7d5c3a52-3f0e-4c52-9a8e-0b8f1f6d2a11"])
def test_no_basket_without_a_known_token(token):
    shop = factories.make_shop()
    found = cart_view_find(hub=shop.hub, token=token)
    assert found.cart is None
    assert found.is_empty


def test_another_hubs_or_a_users_basket_is_not_found_by_token():
    shop, other = factories.make_shop(), factories.make_shop(slug="autre", name="Autre")
    theirs = cart_create(hub=other.hub)
    cart_add(cart=theirs, variant_id=other.products[0].variants.first().pk, quantity=1)
    owned = cart_create(hub=shop.hub, user=factories.user())
    cart_add(cart=owned, variant_id=shop.products[0].variants.first().pk, quantity=1)

    assert cart_view_find(hub=shop.hub, token=theirs.token).cart is None
    assert cart_view_find(hub=shop.hub, token=owned.token).cart is None


def test_item_count_of_a_token_or_a_users_basket_in_one_query():
    shop, other = factories.make_shop(), factories.make_shop(slug="autre", name="Autre")
    customer = factories.user()
    variants = [product.variants.first() for product in shop.products]
    guest = cart_create(hub=shop.hub)
    cart_add(cart=guest, variant_id=variants[0].pk, quantity=2)
    cart_add(cart=guest, variant_id=variants[1].pk, quantity=3)
    mine = cart_create(hub=shop.hub, user=customer)
    cart_add(cart=mine, variant_id=variants[1].pk, quantity=4)
    elsewhere = cart_create(hub=other.hub)
    cart_add(cart=elsewhere, variant_id=other.products[0].variants.first().pk, quantity=7)

    with CaptureQueriesContext(connection) as queries:
        count = cart_item_count(hub=shop.hub, token=str(guest.token))

    assert len(queries) == 1
    assert count == 5
    assert cart_item_count(hub=shop.hub.pk, token=guest.token) == 5
    assert cart_item_count(hub=shop.hub, user=customer) == 4
    assert cart_item_count(hub=other.hub, token=elsewhere.token) == 7
    # Another hub's token, a user's basket by its token, an empty or unknown basket: nothing.
    assert cart_item_count(hub=shop.hub, token=elsewhere.token) == 0
    assert cart_item_count(hub=shop.hub, token=mine.token) == 0
    assert cart_item_count(hub=shop.hub, token=cart_create(hub=shop.hub).token) == 0
    assert cart_item_count(hub=other.hub, user=customer) == 0


@pytest.mark.parametrize("token", [None, "", "not-a-uuid"])
def test_item_count_without_a_valid_token_runs_no_query(token):
    shop = factories.make_shop()
    with CaptureQueriesContext(connection) as queries:
        assert cart_item_count(hub=shop.hub, token=token) == 0
    assert len(queries) == 0
