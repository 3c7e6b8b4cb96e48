"""The customer's subscription pages."""

from datetime import timedelta

import pytest
from django.urls import reverse

from panier.cart.services import cart_add, cart_create
from panier.subscriptions.models import Subscription, SubscriptionStatus
from tests import factories
from tests.subscriptions.helpers import subscribe

pytestmark = pytest.mark.usefixtures("english")


def _login(client, user):
    client.force_login(user)
    return user


def _signup_data(shop, **over):
    data = {
        "every_days": "7",
        "slot": str(shop.pickup_slot.pk),
        "shortage_policy": "reduce",
        "first_name": "Alice",
        "last_name": "Durand",
        "phone": "06 12 34 56 78",
        "accepted_terms": "on",
    }
    data.update(over)
    return data


def test_subscribing_sends_the_customer_to_the_card_check(client, shop):
    """A valid form creates the subscription and redirects to the provider's page."""
    user = _login(client, factories.user())
    cart = cart_create(hub=shop.hub, user=user)
    cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=2)

    response = client.post(
        reverse("subscriptions:new", kwargs={"hub_slug": shop.hub.slug}), _signup_data(shop)
    )

    subscription = Subscription.objects.get(user=user)
    assert response.status_code == 302
    assert response["Location"] == subscription.setup_payment.redirect_url
    assert subscription.status == SubscriptionStatus.PENDING_CARD
    assert subscription.phone == "+33612345678"


def test_signup_form_errors_are_shown(client, shop):
    """Bad input gives form errors with a 400, not a crash."""
    _login(client, factories.user())
    url = reverse("subscriptions:new", kwargs={"hub_slug": shop.hub.slug})

    response = client.post(
        url, _signup_data(shop, phone="12", slot=str(shop.delivery_slot.pk), accepted_terms="")
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "Please enter a valid phone number." in content
    assert "Needed for home delivery." in content
    assert "Please accept the terms to subscribe." in content
    assert not Subscription.objects.exists()


def test_empty_basket_is_refused_on_the_form(client, shop):
    _login(client, factories.user())

    response = client.post(
        reverse("subscriptions:new", kwargs={"hub_slug": shop.hub.slug}), _signup_data(shop)
    )

    assert response.status_code == 409
    assert "Add at least one product to your recurring basket." in response.content.decode()


def test_pages_need_login_and_hide_other_customers_subscriptions(client, shop):
    subscription = subscribe(shop)
    detail = reverse("subscriptions:detail", kwargs={"public_id": subscription.public_id})

    assert client.get(detail).status_code == 302
    _login(client, factories.user())
    assert client.get(detail).status_code == 404
    assert (
        client.post(
            reverse("subscriptions:cancel", kwargs={"public_id": subscription.public_id})
        ).status_code
        == 404
    )


def test_customer_manages_the_subscription(client, shop):
    """List, detail, skip, pause, resume, quantities and cancel from the account pages."""
    subscription = subscribe(shop)
    _login(client, subscription.user)
    kw = {"public_id": subscription.public_id}

    assert (
        "Recurring basket at"
        in client.get(reverse("subscriptions:detail", kwargs=kw)).content.decode()
    )
    assert shop.hub.name in client.get(reverse("subscriptions:list")).content.decode()
    response = client.post(
        reverse("subscriptions:skip", kwargs=kw), {"cycle_on": subscription.starts_on.isoformat()}
    )
    assert response.status_code == 302
    assert subscription.skips.get().cycle_on == subscription.starts_on
    bad = client.post(
        reverse("subscriptions:skip", kwargs=kw),
        {"cycle_on": (subscription.starts_on + timedelta(days=1)).isoformat()},
    )
    assert bad.status_code == 400
    assert client.post(reverse("subscriptions:pause", kwargs=kw), {"until": ""}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert client.post(reverse("subscriptions:resume", kwargs=kw)).status_code == 302
    line = subscription.lines.first()
    bad_qty = client.post(reverse("subscriptions:lines", kwargs=kw), {f"qty_{line.pk}": "-1"})
    assert bad_qty.status_code == 400
    all_zero = {f"qty_{ln.pk}": "0" for ln in subscription.lines.all()}
    refused = client.post(reverse("subscriptions:lines", kwargs=kw), all_zero)
    assert refused.status_code == 409
    assert "Add at least one product" in refused.content.decode()
    assert client.post(reverse("subscriptions:cancel", kwargs=kw)).status_code == 302
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED


def test_card_return_activates_or_explains(client, shop):
    """Coming back from the card page activates the subscription, or says the card was refused."""
    pending = subscribe(shop, activate=False)
    _login(client, pending.user)
    kw = {"public_id": pending.public_id}

    response = client.get(reverse("subscriptions:card_return", kwargs=kw))

    assert response.status_code == 409
    assert "Your card was not authorised." in response.content.decode()


def test_signup_page_lists_the_hubs_slots_and_the_basket_links_to_it(client, shop):
    user = _login(client, factories.user())
    cart = cart_create(hub=shop.hub, user=user)
    cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=1)
    new_url = reverse("subscriptions:new", kwargs={"hub_slug": shop.hub.slug})

    page = client.get(new_url)
    basket = client.get(reverse("cart:detail", kwargs={"hub_slug": shop.hub.slug}))

    assert page.status_code == 200
    assert f'value="{shop.pickup_slot.pk}"' in page.content.decode()
    assert "Épicerie du port" in page.content.decode()
    assert new_url in basket.content.decode()
