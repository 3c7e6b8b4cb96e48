"""Visitors' sessions in the signed cookie, signed-in sessions on the server."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.auth import SESSION_KEY as USER_KEY
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.crypto import get_random_string
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from panier.cart.models import Cart
from panier.cart.session import SESSION_KEY as BASKETS
from panier.core.sessions.guest_cookie import MAX_COOKIE_VALUE, SALT, SessionStore, is_cookie_value
from tests import factories

PASSWORD = "correct horse battery"

pytestmark = pytest.mark.django_db


def _add(client, shop, index: int = 0, quantity: int = 1):
    return client.post(f"/{shop.hub.slug}/basket/add/", {"variant": shop.variant(index).pk, "quantity": quantity})


def test_a_visitors_basket_lives_in_the_cookie_with_no_session_row(client, shop):
    with CaptureQueriesContext(connection) as adding:
        added = _add(client, shop, 0, 2)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    with CaptureQueriesContext(connection) as reading:
        basket = client.get(f"/{shop.hub.slug}/basket/")

    assert added.status_code == 302
    assert is_cookie_value(cookie)
    assert Session.objects.count() == 0
    assert not [q for q in adding.captured_queries + reading.captured_queries if "django_session" in q["sql"]]
    cart = Cart.objects.get()
    assert signing.loads(cookie, salt=SALT)[BASKETS] == {str(shop.hub.pk): str(cart.token)}
    assert shop.products[0].name in basket.content.decode()
    # The cookie keeps the session cookie's flags.
    morsel = added.cookies[settings.SESSION_COOKIE_NAME]
    assert morsel["httponly"]
    assert morsel["samesite"] == settings.SESSION_COOKIE_SAMESITE


def test_a_tampered_cookie_is_no_session_and_is_removed(client, shop):
    _add(client, shop, 0, 2)
    assert shop.products[0].name in client.get(f"/{shop.hub.slug}/basket/").content.decode()
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    payload, rest = value.split(":", 1)
    client.cookies[settings.SESSION_COOKIE_NAME] = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest

    page = client.get(f"/{shop.hub.slug}/basket/")

    assert page.status_code == 200
    assert shop.products[0].name not in page.content.decode()
    assert page.cookies[settings.SESSION_COOKIE_NAME].value == ""  # deleted


def test_a_cookie_claiming_a_user_is_not_believed(client, db):
    """Even signed with the right key, a cookie never carries a signed-in user."""
    user = factories.user(email="eve@example.org")
    forged = signing.dumps(
        {USER_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
         HASH_SESSION_KEY: user.get_session_auth_hash()},
        salt=SALT, compress=True,
    )
    client.cookies[settings.SESSION_COOKIE_NAME] = forged

    response = client.get(reverse("accounts:orders"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert SessionStore(forged).load() == {}


def test_signing_in_moves_the_session_to_the_server_and_signing_out_revokes_it(client, shop):
    user = factories.user(email="paul@example.org")
    _add(client, shop, 0, 2)
    assert is_cookie_value(client.cookies[settings.SESSION_COOKIE_NAME].value)

    client.post(reverse("accounts:login"), {"username": "paul@example.org", "password": PASSWORD})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    assert not is_cookie_value(key)
    assert len(key) == 32
    assert Session.objects.get(session_key=key).get_decoded()[USER_KEY] == str(user.pk)
    # The basket the visitor filled is the user's now.
    assert {line.variant_id: line.quantity for line in Cart.objects.get(user=user).lines.all()} == {
        shop.variant(0).pk: 2
    }

    client.post(reverse("accounts:logout"))

    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie after signing out: a visitor again.
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    assert USER_KEY not in client.session


def test_a_session_too_large_for_a_cookie_is_kept_on_the_server_until_it_shrinks(db):
    store = SessionStore()
    store["note"] = get_random_string(MAX_COOKIE_VALUE + 200)
    store.save()
    key = store.session_key

    assert not is_cookie_value(key)
    assert SessionStore(key).load()["note"] == store["note"]

    again = SessionStore(key)
    again["note"] = "short"
    again.save()

    assert is_cookie_value(again.session_key)
    assert SessionStore(again.session_key).load() == {"note": "short"}
    assert not Session.objects.filter(session_key=key).exists()


def test_an_expired_cookie_is_an_empty_session(db):
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        store = SessionStore()
        store["panier_basket"] = {"1": "token"}
        store.save()
        value = store.session_key
    with time_machine.travel(
        dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC) + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60),
        tick=False,
    ):
        assert SessionStore(value).load() == {"panier_basket": {"1": "token"}}
    with time_machine.travel(
        dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC) + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60),
        tick=False,
    ):
        expired = SessionStore(value)
        assert expired.load() == {}
        assert expired.session_key is None


def test_an_unknown_server_key_is_an_empty_session(db):
    store = SessionStore("abcdefghijklmnopqrstuvwxyz012345")
    assert store.load() == {}
    assert store.session_key is None
    assert not store.exists("abcdefghijklmnopqrstuvwxyz012345")


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@hypothesis_settings(max_examples=60, deadline=None)
@given(data=st.dictionaries(st.text(min_size=1, max_size=12).filter(lambda k: k != USER_KEY), _json, max_size=6))
def test_what_a_visitor_keeps_reads_back_the_same(data):
    """Any JSON data small enough for a cookie comes back as it was saved, from the cookie alone."""
    store = SessionStore()
    store.update(data)
    store.save()

    assert is_cookie_value(store.session_key)
    assert SessionStore(store.session_key).load() == data
