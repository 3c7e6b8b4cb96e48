import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from panier.cart.services import cart_add, cart_create
from panier.catalog.models import Product, ProductImage
from panier.checkout.services import checkout_pay
from panier.orders.models import Withdrawal
from panier.orders.services import withdrawal_start
from panier.payments.models import Payment
from tests import factories


@pytest.fixture(autouse=True)
def _french():
    """Pages and reversed URLs in the default language, whatever ran before."""
    with translation.override("fr"):
        yield


@pytest.fixture
def filled(shop):
    """A shop with orders, a payment, a basket, a photo and a withdrawal: every table has rows."""
    paid = factories.placed_order(shop, [(0, 2), (1, 1)])
    unpaid = factories.placed_order(shop, [(0, 1)], paid=False)
    checkout_pay(order=unpaid, return_url="/return")
    withdrawal_start(order=paid, name="Alice Durand", email="alice@example.org")
    cart = cart_create(hub=shop.hub, user=shop.producer_user)
    cart_add(cart=cart, variant_id=shop.variant(2).pk, quantity=1)
    ProductImage.objects.create(product=shop.products[0], image=SimpleUploadedFile("t.png", b"x", "image/png"))
    shop.extra["order"] = paid
    return shop


@pytest.fixture
def superuser(client, db):
    user = factories.user(email="root@example.org", is_superuser=True, is_staff=True)
    factories.login_staff(client, user)
    return user


def _models():
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


def test_every_panier_model_is_in_the_admin():
    """Each model of a Panier app has an admin page."""
    from django.apps import apps

    missing = [
        m._meta.label
        for m in apps.get_models()
        if m.__module__.startswith("panier.") and m not in admin.site._registry
    ]

    assert missing == []


@pytest.mark.parametrize("model", _models(), ids=lambda m: m._meta.label)
def test_changelists_render_for_a_superuser(client, filled, superuser, model):
    """Every changelist, and the change page of its first row, answer 200."""
    info = (model._meta.app_label, model._meta.model_name)

    changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))

    assert changelist.status_code == 200
    first = model._default_manager.order_by("pk").first()
    if first is not None:
        # Text keys such as "pi_22ab…" must be quoted the way the admin's own links are.
        change = client.get(reverse("admin:{}_{}_change".format(*info), args=[quote(first.pk)]))
        assert change.status_code == 200


def test_order_changelist_runs_a_bounded_number_of_queries(client, filled, superuser, django_assert_max_num_queries):
    """Listing many orders costs the same few queries as listing one."""
    for _ in range(5):
        factories.placed_order(filled, [(0, 1)])

    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:orders_order_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 7


def test_order_state_and_money_cannot_be_edited_in_the_admin(client, filled, superuser):
    """Status and amounts are read-only: state changes go through the order board."""
    order = filled.extra["order"]
    url = reverse("admin:orders_order_change", args=[order.pk])

    form = client.get(url).context["adminform"].form

    for name in ("status", "total_cents", "goods_cents", "paid_at"):
        assert name not in form.fields
    assert "email" in form.fields


def test_payments_and_stock_movements_are_read_only(client, filled, superuser):
    """Money records and the stock ledger cannot be added, edited or deleted."""
    payment = Payment.objects.first()

    add = client.get(reverse("admin:payments_payment_add"))
    post = client.post(reverse("admin:payments_payment_change", args=[payment.pk]), {"status": "captured"})

    assert add.status_code == 403
    assert post.status_code == 403
    assert client.get(reverse("admin:inventory_stockmovement_add")).status_code == 403
    assert Withdrawal.objects.count() == 1


def test_product_saved_in_the_admin_gets_search_text(client, filled, superuser):
    """Saving a product through the admin refreshes its accent-free search words."""
    product = filled.products[0]
    url = reverse("admin:catalog_product_change", args=[product.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        {
            "name": "Crème brûlée",
            "allergens": "[]",
            "variants-TOTAL_FORMS": "0", "variants-INITIAL_FORMS": "0",
            "images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0",
        }
    )
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert Product.objects.get(pk=product.pk).search_text.startswith("creme brulee")


def test_user_can_be_created_with_an_email(client, superuser):
    """The admin creates a user from an e-mail address and a password."""
    from panier.accounts.models import User

    response = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "new@example.org", "password1": "a long passphrase 42", "password2": "a long passphrase 42",
         "usable_password": "true"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.filter(email="new@example.org").exists()


def test_renaming_a_producer_in_the_admin_refreshes_its_products_search_text(client, filled, superuser):
    """A producer's new name is found by the product search fallback."""
    producer = filled.producers[0]
    url = reverse("admin:producers_producer_change", args=[producer.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and v is not False and k in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    data.update({"name": "Chèvrerie Élise", "staff-TOTAL_FORMS": "0", "staff-INITIAL_FORMS": "0"})

    response = client.post(url, data)

    assert response.status_code == 302
    assert "chevrerie elise" in Product.objects.get(pk=filled.products[0].pk).search_text
    assert "chevrerie" not in Product.objects.get(pk=filled.products[1].pk).search_text


def test_a_text_key_that_looks_quoted_opens_in_the_admin(client, superuser):
    """An id whose "_22" would read as an escaped quote still opens its page."""
    from panier.payments.models import SandboxIntent

    intent = SandboxIntent.objects.create(
        id="pi_22ab", amount_cents=100, return_url="/", idempotency_key="k-22ab"
    )
    url = reverse("admin:payments_sandboxintent_change", args=[quote(intent.pk)])

    assert client.get(url).status_code == 200
