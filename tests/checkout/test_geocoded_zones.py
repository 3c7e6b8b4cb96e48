"""Web checkout with polygon and radius zones: the address is located by the address service.

The step 1 form sends no coordinates; when the hub has a shaped zone, the
address is geocoded (a real HTTP server on loopback answers like the
national address API) and the coordinates go on with the order. When the
service is not configured or down, postal codes decide as before.
"""

import logging

import pytest

from panier.checkout.services import checkout_address_locate
from panier.delivery.models import Zone, ZoneKind
from panier.orders.models import Order
from tests.checkout.test_views import basket_in_session, hub_url, step1, to_review
from tests.rounds.servers import ban_answer, closed_port_url, serving

pytestmark = pytest.mark.usefixtures("english")

# 5 rue Rossini, Nice, is at (43.7003, 7.2620) in the fake address API.
AROUND_ROSSINI = [[43.69, 7.25], [43.69, 7.28], [43.71, 7.28], [43.71, 7.25]]
PORT_ONLY = [[43.692, 7.283], [43.692, 7.290], [43.698, 7.290], [43.698, 7.283]]


def polygon_zone(shop, polygon, **kw) -> Zone:
    return Zone.objects.create(
        hub=shop.hub, name="Drawn", kind=ZoneKind.POLYGON, polygon=polygon, fee_cents=300, **kw
    )


def place(client, shop, **kw) -> tuple:
    """Post step 1, open the recap and press the order button; return the recap and the order."""
    review = to_review(client, shop, **kw)
    assert review.status_code == 200
    placed = client.post(
        hub_url(shop, "checkout:review"), {"checkout_token": review.context["token"], "accepted_terms": "on"}
    )
    assert placed.status_code == 302, placed.content.decode()[:2000]
    return review, Order.objects.get()


@pytest.fixture
def recorded_ban():
    """The fake address API, remembering the addresses it was asked for."""
    asked = []

    def answer(path, query):
        asked.append(query.get("q", [""])[0])
        return ban_answer(path, query)

    with serving(answer) as url:
        yield url, asked


def test_polygon_only_zone_matches_a_geocoded_web_order(client, shop, settings, recorded_ban):
    """The address geocodes inside the drawn area: its zone and fee apply, the order keeps its coordinates."""
    url, asked = recorded_ban
    settings.PANIER_GEOCODER_URL = url
    shop.zone.delete()
    drawn = polygon_zone(shop, AROUND_ROSSINI)
    basket_in_session(client, shop, (0, 1))

    review, order = place(client, shop)

    assert review.context["zone"] == drawn
    assert "€3.00" in review.content.decode()
    assert (str(order.latitude), str(order.longitude)) == ("43.700300", "7.262000")
    assert order.delivery_fee_cents == 300
    assert asked == ["5 rue Rossini Nice"]


def test_address_geocoded_outside_every_zone_is_refused_on_the_form(client, shop, settings, recorded_ban):
    url, _asked = recorded_ban
    settings.PANIER_GEOCODER_URL = url
    shop.zone.delete()
    polygon_zone(shop, PORT_ONLY)
    basket_in_session(client, shop, (0, 1))

    response = client.post(hub_url(shop, "checkout:start"), step1(shop))

    assert response.status_code == 400
    assert response.context["form"].errors["postal_code"] == [
        "This address is outside our delivery area. You can choose a pickup point."
    ]
    assert "panier_checkout" not in client.session


def test_geocoder_down_falls_back_to_the_postal_code_zone(client, shop, settings, caplog):
    """The address service refuses connections: no error for the customer, the postal-code zone serves."""
    settings.PANIER_GEOCODER_URL = closed_port_url()
    polygon_zone(shop, AROUND_ROSSINI, priority=0)
    basket_in_session(client, shop, (0, 1))

    with caplog.at_level(logging.INFO, logger="panier.checkout.services"):
        review, order = place(client, shop)

    assert review.context["zone"] == shop.zone
    assert order.latitude is None
    assert order.longitude is None
    assert order.delivery_fee_cents == shop.zone.fee_cents
    assert "geocoder_unavailable" in caplog.text


def test_unserved_postal_code_with_geocoder_down_gets_the_postal_code_error(client, shop, settings):
    settings.PANIER_GEOCODER_URL = closed_port_url()
    polygon_zone(shop, AROUND_ROSSINI)
    basket_in_session(client, shop, (0, 1))

    response = client.post(hub_url(shop, "checkout:start"), step1(shop, postal_code="75001"))

    assert response.status_code == 400
    assert response.context["form"].errors["postal_code"] == [
        "We do not deliver to this postal code. You can choose a pickup point."
    ]


def test_no_geocoder_configured_matches_postal_codes_as_before(client, shop, settings):
    settings.PANIER_GEOCODER_URL = ""
    polygon_zone(shop, AROUND_ROSSINI, priority=0)
    basket_in_session(client, shop, (0, 1))

    review, order = place(client, shop)

    assert review.context["zone"] == shop.zone
    assert order.latitude is None
    assert order.delivery_fee_cents == shop.zone.fee_cents


def test_unknown_address_falls_back_to_postal_codes(shop, settings, recorded_ban):
    """A poor match is no match; a hub with postal-code zones only never asks the service."""
    url, asked = recorded_ban
    settings.PANIER_GEOCODER_URL = url
    assert checkout_address_locate(hub=shop.hub, address_line1="5 rue Rossini", postal_code="06000", city="Nice") is None
    assert asked == []
    polygon_zone(shop, AROUND_ROSSINI)
    located = checkout_address_locate(hub=shop.hub, address_line1="5 rue Rossini", postal_code="06000", city="Nice")
    unknown = checkout_address_locate(hub=shop.hub, address_line1="1 rue Inconnue", postal_code="06000", city="Nice")
    assert (located.lat, located.lon) == (43.7003, 7.2620)
    assert unknown is None
    assert asked == ["5 rue Rossini Nice", "1 rue Inconnue Nice"]
