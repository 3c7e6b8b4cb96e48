import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from panier.cart.models import Cart
from panier.cart.services import cart_add, cart_create
from panier.cart.session import SESSION_KEY
from panier.orders.models import OrderStatus
from tests import factories


@pytest.fixture(autouse=True)
def _french():
    """Pages and reversed URLs in the default language, whatever ran before."""
    with translation.override("fr"):
        yield

User = get_user_model()
PASSWORD = "correct horse battery"


def _anonymous_basket(client, shop, index=0, qty=2):
    cart = cart_create(hub=shop.hub)
    cart_add(cart=cart, variant_id=shop.variant(index).pk, quantity=qty)
    session = client.session
    session[SESSION_KEY] = {str(shop.hub.pk): str(cart.token)}
    factories.save_session(client, session)
    return cart


def test_login_page_renders(client, db):
    """The login page has an e-mail field and a link to sign up."""
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="email"' in body
    assert reverse("accounts:signup") in body


def test_login_accepts_the_address_in_any_case(client, db):
    """Logging in with the e-mail in capitals works and redirects home."""
    user = factories.user(email="paul@example.org")

    response = client.post(reverse("accounts:login"), {"username": "Paul@Example.ORG", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("web:home")
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_with_a_wrong_password_shows_an_error(client, db):
    """A wrong password keeps the visitor anonymous and says so."""
    factories.user(email="paul@example.org")

    response = client.post(reverse("accounts:login"), {"username": "paul@example.org", "password": "nope"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in response.content.decode()


def test_login_merges_the_anonymous_basket(client, shop):
    """Basket lines added before logging in are in the user's basket afterwards."""
    user = factories.user(email="paul@example.org")
    mine = cart_create(hub=shop.hub, user=user)
    cart_add(cart=mine, variant_id=shop.variant(1).pk, quantity=1)
    anonymous = _anonymous_basket(client, shop, index=0, qty=2)

    client.post(reverse("accounts:login"), {"username": "paul@example.org", "password": PASSWORD})

    lines = {line.variant_id: line.quantity for line in Cart.objects.get(user=user, hub=shop.hub).lines.all()}
    assert lines == {shop.variant(0).pk: 2, shop.variant(1).pk: 1}
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    assert SESSION_KEY not in client.session


def test_signup_creates_the_account_logs_in_and_keeps_the_basket(client, shop):
    """Signing up creates a user with a lower-case e-mail, logs them in and keeps the basket."""
    _anonymous_basket(client, shop, index=0, qty=3)

    response = client.post(
        reverse("accounts:signup"),
        {"email": "New@Example.org", "password1": "a long passphrase 42", "password2": "a long passphrase 42"},
    )

    user = User.objects.get(email="new@example.org")
    assert response.status_code == 302
    assert response.url == reverse("accounts:orders")
    assert user.email == "new@example.org"
    assert user.check_password("a long passphrase 42")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert Cart.objects.get(user=user).lines.get().quantity == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "x@example.org", "password1": "a long passphrase 42", "password2": "another phrase 42"}, "password2"),
        ({"email": "x@example.org", "password1": "123", "password2": "123"}, "password1"),
        ({"email": "not an address", "password1": "a long passphrase 42", "password2": "a long passphrase 42"}, "email"),
        ({"email": "Taken@example.org", "password1": "a long passphrase 42", "password2": "a long passphrase 42"}, "email"),
    ],
)
def test_signup_refuses_bad_input(client, db, data, field):
    """Mismatched or weak passwords, bad or taken addresses are form errors (400)."""
    factories.user(email="taken@example.org")

    response = client.post(reverse("accounts:signup"), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert User.objects.count() == 1


def test_logout_needs_a_post(client, db):
    """GET does not log out; POST does and goes home."""
    user = factories.user()
    client.force_login(user)

    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_my_orders_lists_only_the_users_orders(client, shop, django_assert_max_num_queries):
    """A customer sees their own orders, with number and status, not others'."""
    alice = factories.user(email="alice@example.org")
    bob = factories.user(email="bob@example.org")
    mine = factories.placed_order(shop, [(0, 1)], user=alice)
    theirs = factories.placed_order(shop, [(1, 1)], user=bob)
    client.force_login(alice)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("accounts:orders"))

    body = response.content.decode()
    assert response.status_code == 200
    assert mine.number in body
    assert theirs.number not in body
    assert str(OrderStatus.PAID.label) in body


def test_my_orders_needs_a_login(client, db):
    """An anonymous visitor is sent to the login page."""
    response = client.get(reverse("accounts:orders"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_account_navigation_shows_the_back_offices_a_user_may_open(client, shop):
    """Producer staff see the producer back office link, hub staff the order board."""
    home = reverse("catalog:hub_home", kwargs={"hub_slug": shop.hub.slug})

    anonymous = client.get(home).content.decode()
    factories.login_staff(client, shop.producer_user)
    producer = client.get(home).content.decode()
    factories.login_staff(client, shop.operator)
    operator = client.get(home).content.decode()

    assert reverse("accounts:login") in anonymous
    assert reverse("producer:index") in producer
    assert reverse("operator:index") not in producer
    assert reverse("operator:index") in operator
    assert reverse("producer:index") not in operator
    assert reverse("accounts:logout") in operator
