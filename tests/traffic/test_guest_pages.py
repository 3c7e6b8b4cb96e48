"""A guest with a basket gets the cached catalog page with their own basket count written in."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panier.traffic.pagecache import hub_ids_forget
from tests import factories

COUNT = re.compile(r'<span class="basket-count">[^<]*</span>')


@pytest.fixture
def cached(settings, shop, client):
    settings.PANIER_PAGE_CACHE = True
    cache.clear()
    hub_ids_forget()
    url = f"/{shop.hub.slug}/p/{shop.products[0].slug}/"
    anonymous = client.get(url)
    assert client.get(url)["X-Panier-Cache"] == "hit"
    return url, anonymous


def _add(client, shop, index, quantity):
    response = client.post(f"/{shop.hub.slug}/basket/add/", {"variant": shop.variant(index).pk, "quantity": quantity})
    assert response.status_code == 302
    # The "added" message is shown on the page that follows.
    client.get(response["Location"])


def test_guest_gets_the_stored_page_with_their_count(client, shop, cached):
    url, anonymous = cached
    _add(client, shop, 0, 2)
    _add(client, shop, 1, 1)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)

    # The session is the signed cookie: only the count is read.
    assert [q["sql"].split('"')[1] for q in queries.captured_queries] == ["cart_cartline"]

    html = page.content.decode()
    assert page["X-Panier-Cache"] == "hit-guest"
    assert "(3 articles)" in html
    assert page["Cache-Control"] == "private, no-cache"
    assert page["ETag"] != anonymous["ETag"]
    # Apart from the count, the very page every visitor gets.
    assert COUNT.sub("", html) == COUNT.sub("", anonymous.content.decode())


def test_the_guests_validator_follows_their_basket(client, shop, cached):
    url, _ = cached
    _add(client, shop, 0, 1)
    first = client.get(url)

    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    _add(client, shop, 0, 1)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "(2 articles)" in again.content.decode()


def test_english_page_counts_in_english(client, shop, settings):
    settings.PANIER_PAGE_CACHE = True
    cache.clear()
    hub_ids_forget()
    url = f"/en/{shop.hub.slug}/p/{shop.products[0].slug}/"
    client.get(url)
    _add(client, shop, 0, 1)

    page = client.get(url)

    assert page["X-Panier-Cache"] == "hit-guest"
    assert "(1 item)" in page.content.decode()


def test_a_message_to_show_gets_a_rendered_page(client, shop, cached):
    url, _ = cached
    added = client.post(f"/{shop.hub.slug}/basket/add/", {"variant": shop.variant(0).pk, "quantity": 1, "next": url})

    page = client.get(added["Location"])

    assert page.get("X-Panier-Cache") is None
    assert "Ajouté à votre panier" in page.content.decode()


def test_a_logged_in_customer_gets_a_rendered_page(client, shop, cached):
    url, _ = cached
    customer = factories.user()
    client.force_login(customer)

    page = client.get(url)

    assert page.get("X-Panier-Cache") is None
    assert "Log out" in page.content.decode() or "Se déconnecter" in page.content.decode()


def test_a_stale_session_key_is_a_guest_with_an_empty_basket(client, shop, cached):
    url, _ = cached
    client.cookies["sessionid"] = "no-such-session"

    page = client.get(url)

    assert page["X-Panier-Cache"] == "hit-guest"
    assert "(0 article)" in page.content.decode()


def test_a_visitor_admitted_from_the_waiting_room_gets_the_shared_page(client, shop, cached):
    """The waiting room's cookies alone (no session) do not cost a rendered page."""
    url, anonymous = cached
    client.cookies["panier_admitted"] = "1"

    page = client.get(url)

    assert page["X-Panier-Cache"] == "hit"
    assert page["ETag"] == anonymous["ETag"]
    assert page.content == anonymous.content
