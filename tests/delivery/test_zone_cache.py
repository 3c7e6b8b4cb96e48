"""A hub's zones are read from the cache, and every change to a zone shows at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panier.delivery.errors import PostalCodeNotServed
from panier.delivery.models import Zone, ZoneKind
from panier.delivery.selectors import zone_for_address, zone_list, zone_needs_coordinates
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_zones_are_read_once_then_from_the_cache():
    shop = factories.make_shop()
    zone_for_address(hub=shop.hub, postal_code="06000")

    with CaptureQueriesContext(connection) as queries:
        zone = zone_for_address(hub=shop.hub, postal_code="06100")
        needs = zone_needs_coordinates(hub=shop.hub)

    assert len(queries) == 0
    assert zone == shop.zone
    assert zone.hub is shop.hub
    assert needs is False


def test_a_saved_fee_a_new_zone_and_a_deleted_zone_show_at_once():
    shop = factories.make_shop()
    assert zone_for_address(hub=shop.hub, postal_code="06000").fee_cents == 690

    shop.zone.fee_cents = 450
    shop.zone.save()
    assert zone_for_address(hub=shop.hub, postal_code="06000").fee_cents == 450

    with pytest.raises(PostalCodeNotServed):
        zone_for_address(hub=shop.hub, postal_code="06300")
    Zone.objects.create(hub=shop.hub, name="Port", postal_codes="06300", fee_cents=300)
    assert zone_for_address(hub=shop.hub, postal_code="06300").name == "Port"

    Zone.objects.create(hub=shop.hub, name="Around", kind=ZoneKind.RADIUS, radius_m=3000, fee_cents=500)
    assert zone_needs_coordinates(hub=shop.hub) is True

    shop.zone.delete()
    with pytest.raises(PostalCodeNotServed):
        zone_for_address(hub=shop.hub, postal_code="06000")


def test_each_hub_has_its_own_zones():
    shop, other = factories.make_shop(), factories.make_shop(slug="autre", name="Autre")
    Zone.objects.filter(pk=other.zone.pk).update(postal_codes="83000")  # no signal: a fresh cache only
    assert [z.pk for z in zone_list(hub=shop.hub)] == [shop.zone.pk]
    assert zone_for_address(hub=other.hub, postal_code="83000").pk == other.zone.pk
