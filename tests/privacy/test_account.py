"""A customer downloads their data, and deletes their account; invoices stay."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from panier.accounts.models import Address, User
from panier.audit.models import AuditEntry
from panier.invoicing.models import Invoice
from panier.orders.models import Order
from panier.orders.services import order_transition
from panier.privacy.errors import ErasureBlocked
from panier.privacy.services import account_erase
from panier.reviews.models import Review
from panier.reviews.services import review_moderate, review_submit
from tests import factories

pytestmark = pytest.mark.usefixtures("english")

PASSWORD = "correct horse battery"


def _delivered(order):
    for target in ("in_preparation", "ready", "out_for_delivery", "delivered"):
        order = order_transition(order_id=order.pk, target=target)
    return order


@pytest.fixture
def customer(shop):
    user = factories.user(email="alice@example.org", first_name="Alice", last_name="Durand", phone="0612345678")
    Address.objects.create(user=user, first_name="Alice", last_name="Durand", line1="5 rue Rossini",
                           postal_code="06000", city="Nice")
    order = _delivered(factories.order_paid_by_card(shop, [(0, 2)], user=user))
    return user, order


def test_data_download_as_json_and_zip(client, customer):
    """The JSON and the ZIP hold the account, addresses, orders and invoices; both are audited."""
    user, order = customer
    client.force_login(user)

    as_json = client.get(reverse("privacy:export_json"))
    as_zip = client.get(reverse("privacy:export_zip"))

    data = json.loads(as_json.content)
    assert data["account"][0]["email"] == "alice@example.org"
    assert data["addresses"][0]["line1"] == "5 rue Rossini"
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert data["order_lines"][0]["quantity"] == 2
    assert len(data["invoices"]) == Invoice.objects.filter(order=order).count() >= 1
    names = zipfile.ZipFile(io.BytesIO(as_zip.content)).namelist()
    assert {"account.csv", "orders.csv", "order_lines.csv", "invoices.csv"} <= set(names)
    orders_csv = zipfile.ZipFile(io.BytesIO(as_zip.content)).read("orders.csv").decode("utf-8-sig")
    assert order.number in orders_csv
    assert AuditEntry.objects.filter(action="export", object_type="account", actor_id=user.pk).count() == 2


def test_erasure_anonymises_but_keeps_invoices_and_amounts(customer):
    """Personal fields go; the order keeps its amounts and lines; the invoice keeps the buyer."""
    user, order = customer
    invoice = Invoice.objects.filter(order=order).first()

    result = account_erase(user=user, actor=user)

    user.refresh_from_db()
    order.refresh_from_db()
    assert (user.email, user.first_name, user.phone, user.is_active, user.has_usable_password()) == (
        f"erased-{user.pk}@erased.invalid", "", "", False, False)
    assert (order.email, order.first_name, order.last_name, order.phone, order.address_line1, order.user_id) == (
        "", "", "", "", "", None)
    assert order.total_cents == 1300 + order.delivery_fee_cents
    assert order.lines.count() == 1
    invoice_after = Invoice.objects.get(pk=invoice.pk)
    assert invoice_after.buyer_name == invoice.buyer_name == "Alice Durand"
    assert (result.orders_anonymised, result.invoices_kept, result.addresses_deleted) == (
        1, Invoice.objects.filter(order=order).count(), 1)
    assert Address.objects.filter(user=user).count() == 0
    entry = AuditEntry.objects.get(action="erase", object_id=str(user.pk))
    assert entry.changes == {"orders_anonymised": 1, "invoices_kept": result.invoices_kept, "reviews_anonymised": 0}


def test_erasure_keeps_the_review_without_its_author(customer, shop):
    """A published review stays on the product page but no longer names or links its author."""
    user, order = customer
    line = order.lines.get()
    review = review_submit(user=user, order_line_id=line.pk, rating=5, body="Très bon")
    review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=True)
    assert Review.objects.get(pk=review.pk).author_name.startswith("Alice")

    account_erase(user=user, actor=user)

    review = Review.objects.get(pk=review.pk)
    assert (review.author_id, review.author_name, review.rating) == (None, "Former customer", 5)
    entry = AuditEntry.objects.get(action="erase", object_id=str(user.pk))
    assert entry.changes["reviews_anonymised"] == 1


def test_erasure_waits_for_orders_in_progress(shop):
    """An order still to deliver blocks erasure with erasure_blocked."""
    user = factories.user()
    factories.placed_order(shop, [(0, 1)], user=user)

    with pytest.raises(ErasureBlocked) as caught:
        account_erase(user=user)

    assert caught.value.code == "erasure_blocked"
    assert User.objects.get(pk=user.pk).is_active


def test_self_deletion_needs_the_password(client, customer):
    """A wrong password keeps the account (400); the right one erases it and logs out."""
    user, order = customer
    client.force_login(user)
    url = reverse("privacy:delete")

    wrong = client.post(url, {"password": "nope", "confirm": "on"})
    right = client.post(url, {"password": PASSWORD, "confirm": "on"})

    assert wrong.status_code == 400
    assert b"The password is not correct." in wrong.content
    assert right.status_code == 302
    assert not User.objects.get(pk=user.pk).is_active
    assert Order.objects.get(pk=order.pk).email == ""
    assert client.get(reverse("privacy:home")).status_code == 302  # logged out


def test_privacy_page_offers_downloads_deletion_and_newsletters(client, shop):
    """The page links both downloads and the deletion form, and lists the hubs to subscribe to."""
    client.force_login(factories.user())

    response = client.get(reverse("privacy:home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("privacy:export_json") in body
    assert reverse("privacy:export_zip") in body
    assert reverse("privacy:delete") in body
    assert shop.hub.name in body


def test_erasure_stops_recurring_baskets_and_revokes_stored_cards(shop):
    """After erasure no cycle can charge the card again, and the subscription forgets the person."""
    from panier.payments.models import StoredPaymentMethod
    from panier.subscriptions.models import Subscription, SubscriptionStatus
    from tests.subscriptions.helpers import subscribe

    subscription = subscribe(shop)
    user = subscription.user
    assert subscription.status == SubscriptionStatus.ACTIVE

    account_erase(user=user, actor=user)

    subscription = Subscription.objects.get(pk=subscription.pk)
    assert (subscription.status, subscription.email, subscription.last_name, subscription.phone) == (
        SubscriptionStatus.CANCELLED, "", "", "")
    assert StoredPaymentMethod.objects.filter(customer=user, revoked_at__isnull=True).count() == 0


def test_erasure_drops_cached_product_pages_that_name_the_author(customer, shop, django_capture_on_commit_callbacks):
    """The anonymous page cache keeps product pages by catalog version: erasure moves it, so the name goes at once."""
    from panier.core.cache_versions import catalog_version

    user, order = customer
    review = review_submit(user=user, order_line_id=order.lines.get().pk, rating=4, body="Bon")
    review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=True)
    before = catalog_version(shop.hub.pk)

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=user, actor=user)

    assert catalog_version(shop.hub.pk) == before + 1
