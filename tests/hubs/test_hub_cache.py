"""The hub read that starts every shop request is cached, and never outlives a save."""

from __future__ import annotations

import pytest

from panier.hubs.models import Hub
from panier.hubs.selectors import hub_get_open
from tests import factories

pytestmark = pytest.mark.django_db


def test_second_read_costs_no_query(django_assert_num_queries):
    hub = factories.hub()
    hub_get_open(slug=hub.slug)

    with django_assert_num_queries(0):
        cached = hub_get_open(slug=hub.slug)

    assert cached == hub


def test_a_saved_change_shows_at_once():
    hub = factories.hub()
    hub_get_open(slug=hub.slug)
    hub.min_order_cents = 4200
    hub.save()

    assert hub_get_open(slug=hub.slug).min_order_cents == 4200


def test_a_closed_hub_is_no_longer_found():
    hub = factories.hub()
    hub_get_open(slug=hub.slug)
    hub.is_active = False
    hub.save()

    assert hub_get_open(slug=hub.slug) is None


def test_a_renamed_slug_drops_the_old_copy():
    hub = factories.hub()
    old = hub.slug
    hub_get_open(slug=old)
    hub.slug = "renamed-hub"
    hub.save()

    assert hub_get_open(slug=old) is None
    assert hub_get_open(slug="renamed-hub") == hub


def test_a_deleted_hub_is_gone():
    hub = factories.hub()
    slug = hub.slug
    hub_get_open(slug=slug)
    Hub.objects.filter(pk=hub.pk).get().delete()

    assert hub_get_open(slug=slug) is None


def test_a_change_made_in_the_shop_page_request_cycle_is_seen_by_the_next_page(client, shop):
    """The operator saves the minimum order; the next basket page already uses it."""
    client.post(f"/{shop.hub.slug}/basket/add/", {"variant": shop.variant(0).pk, "quantity": 1})
    assert 'id="minimum-notice"' not in client.get(f"/{shop.hub.slug}/basket/").content.decode()
    shop.hub.min_order_cents = 100_000
    shop.hub.save()

    assert 'id="minimum-notice"' in client.get(f"/{shop.hub.slug}/basket/").content.decode()
