"""The checkout's first step: kept form HTML and cached rows give the page a fresh rendering would.

The forms of a visitor with nothing to prefill are rendered once per hub
and language (``{% fragment %}``), the pickup points and closures come
from the shared cache, and the slots from one plain query. Each page here
is compared, byte for byte but for the CSRF token, with the page rendered
from nothing; and every change to a slot, a pickup point or a closure, and
every cut-off passing, must show on the very next page.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template, TemplateSyntaxError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import format_html

from panier.cart.services import cart_add, cart_create
from panier.core import clock
from panier.core.templatetags import fragments
from panier.delivery.models import Closure, PickupPoint, Slot, SlotKind
from panier.delivery.selectors import (
    calendar_for,
    closure_list_upcoming,
    slot_list_open,
    slot_rows_open,
)
from tests import factories
from tests.checkout.test_views import basket_in_session, hub_url, step1

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())


def start_url(shop, language: str) -> str:
    url = hub_url(shop, "checkout:start")
    return url if language == "en" else url.removeprefix("/en")


def fresh(client, url: str) -> str:
    """The page with nothing kept anywhere: forms, calendar and slot texts rendered from the database."""
    fragments.forget()
    cache.clear()
    page = body(client.get(url))
    assert fragments.stats["kept"] == 0
    return page


def kept(client, url: str) -> str:
    """The page once the forms' HTML and the calendar are kept."""
    client.get(url)
    assert {key[0] for key in fragments._kept} >= {"checkout-start-where", "checkout-start-who"}
    before = fragments.stats["kept"]
    page = body(client.get(url))
    # Both form parts served from memory (the site's header and footer may be too).
    assert fragments.stats["kept"] >= before + 2
    return page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_guest_gets_the_page_a_fresh_rendering_gives(client, shop, language):
    basket_in_session(client, shop, (0, 1))
    url = start_url(shop, language)

    first = fresh(client, url)
    again = kept(client, url)

    assert again == first
    assert ("Coordonnées" if language == "fr" else "Contact details") in again
    assert 'id="id_email"' in again
    assert " checked" not in again


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_returning_visitor_gets_the_chosen_slot_checked_and_own_details(client, shop, language):
    basket_in_session(client, shop, (0, 1))
    url = start_url(shop, language)
    kept(client, url)  # a guest's forms are kept: they must not serve this visitor
    posted = client.post(url, step1(shop, fulfilment="pickup", slot=str(shop.pickup_slot.pk), email="zoe@example.org"))
    assert posted.status_code == 302

    page = body(client.get(url))

    assert f'value="{shop.pickup_slot.pk}" checked>' in page
    assert page.count(" checked") == 2  # the slot and "pickup"
    assert 'value="zoe@example.org"' in page
    assert page == fresh(client, url)


def test_a_guest_after_a_returning_visitor_gets_nothing_of_theirs(client, shop):
    basket_in_session(client, shop, (0, 1))
    client.post(hub_url(shop, "checkout:start"), step1(shop, email="zoe@example.org"))
    assert "zoe@example.org" in body(client.get(hub_url(shop, "checkout:start")))

    client.cookies.clear()
    basket_in_session(client, shop, (0, 1))
    page = body(client.get(hub_url(shop, "checkout:start")))

    assert "zoe@example.org" not in page
    assert " checked" not in page
    assert page == fresh(client, hub_url(shop, "checkout:start"))


def test_a_logged_in_customers_details_never_reach_a_guest(client, shop):
    customer = factories.user(email="camille@example.org", first_name="Camille")
    basket_in_session(client, shop, (0, 1))
    guest_page = kept(client, hub_url(shop, "checkout:start"))

    client.force_login(customer)
    cart_add(cart=cart_create(hub=shop.hub, user=customer), variant_id=shop.variant(0).pk, quantity=1)
    mine = body(client.get(hub_url(shop, "checkout:start")))
    client.logout()
    basket_in_session(client, shop, (0, 1))
    theirs = body(client.get(hub_url(shop, "checkout:start")))

    assert 'value="camille@example.org"' in mine
    assert 'value="Camille"' in mine
    assert "camille@example.org" not in theirs
    assert theirs == guest_page


def test_a_refused_form_shows_its_errors_and_values(client, shop):
    basket_in_session(client, shop, (0, 1))
    kept(client, hub_url(shop, "checkout:start"))

    refused = client.post(hub_url(shop, "checkout:start"), step1(shop, email="not-an-address", first_name="Zoé"))

    page = refused.content.decode()
    assert refused.status_code == 400
    assert "Enter a valid email address." in page
    assert 'value="not-an-address"' in page
    assert 'value="Zoé"' in page
    assert f'value="{shop.delivery_slot.pk}" checked>' in page


def slot_texts(page: str) -> dict[int, str]:
    return {int(pk): text for pk, text in re.findall(r'id="slot-(\d+)".*?<span class="muted">([^<]+)</span>', page, re.S)}


def test_every_change_to_slots_points_and_closures_shows_on_the_next_page(client, shop):
    basket_in_session(client, shop, (0, 1))
    url = hub_url(shop, "checkout:start")
    page = kept(client, url)
    assert slot_texts(page) == {shop.delivery_slot.pk: "10 places left", shop.pickup_slot.pk: "10 places left"}

    # A booking (a conditional UPDATE, no signal) changes the count at once.
    Slot.objects.filter(pk=shop.delivery_slot.pk).update(booked=3)
    assert slot_texts(body(client.get(url)))[shop.delivery_slot.pk] == "7 places left"
    # A full slot is no longer offered.
    Slot.objects.filter(pk=shop.delivery_slot.pk).update(booked=10)
    page = body(client.get(url))
    assert shop.delivery_slot.pk not in slot_texts(page)
    assert "No home delivery slot is open at the moment." in page
    # A new slot, at a new pickup point.
    point = PickupPoint.objects.create(hub=shop.hub, name="Marché <Libération>", address="1 av.", postal_code="06000",
                                       city="Nice", opening_hours="8h–13h")
    added = factories.slot(shop.hub, kind=SlotKind.PICKUP, pickup_point=point, days=5)
    page = body(client.get(url))
    assert "Marché &lt;Libération&gt;" in page
    assert "8h–13h" in page
    assert slot_texts(page)[added.pk] == "10 places left"
    # A point renamed, then closed: its slots go with it.
    point.name = "Marché de la Libération"
    point.save()
    assert "Marché de la Libération" in body(client.get(url))
    point.is_active = False
    point.save()
    page = body(client.get(url))
    assert "Libération" not in page
    assert added.pk not in slot_texts(page)
    # A closure shows, then goes when deleted.
    closure = Closure.objects.create(hub=shop.hub, first_day=timezone.localdate() + timedelta(days=20),
                                     last_day=timezone.localdate() + timedelta(days=21), reason="Inventaire annuel")
    assert "Inventaire annuel" in body(client.get(url))
    closure.delete()
    page = body(client.get(url))
    assert "Inventaire annuel" not in page
    # After all that, the page still reads as a fresh rendering.
    assert page == fresh(client, url)


def test_a_slot_is_no_longer_offered_once_its_cutoff_passed(client, shop):
    basket_in_session(client, shop, (0, 1))
    url = hub_url(shop, "checkout:start")
    cutoff = shop.delivery_slot.cutoff_at
    later = factories.slot(shop.hub, days=5)

    with time_machine.travel(cutoff - timedelta(seconds=1), tick=False):
        before = kept(client, url)
    with time_machine.travel(cutoff, tick=False):
        after = body(client.get(url))
        assert after == fresh(client, url)

    assert f'id="slot-{shop.delivery_slot.pk}"' in before
    assert f'id="slot-{shop.delivery_slot.pk}"' not in after
    assert f'id="slot-{later.pk}"' in after


def test_a_closure_that_ended_drops_out_the_next_day(client, shop):
    # A minute before and after midnight at the hub (Paris, UTC+2): well within the cache's timeout.
    with time_machine.travel("2027-05-10 21:59:30+00:00", tick=False):
        factories.slot(shop.hub, days=2)
        Closure.objects.create(hub=shop.hub, first_day=date(2027, 5, 9), last_day=date(2027, 5, 10), reason="Pont")
        basket_in_session(client, shop, (0, 1))
        assert "Pont" in kept(client, hub_url(shop, "checkout:start"))
    with time_machine.travel("2027-05-10 22:00:30+00:00", tick=False):
        assert "Pont" not in body(client.get(hub_url(shop, "checkout:start")))


@pytest.mark.django_db(transaction=True)
def test_the_calendar_is_read_once_and_is_the_selectors_rows():
    shop = factories.make_shop()
    today = timezone.localdate()
    Closure.objects.create(hub=shop.hub, first_day=today, last_day=today, reason="Today")
    Closure.objects.create(hub=shop.hub, first_day=today - timedelta(days=3), last_day=today - timedelta(days=1),
                           reason="Past")
    PickupPoint.objects.create(hub=shop.hub, name="Closed", address="x", postal_code="06000", city="Nice",
                               is_active=False)
    calendar_for(hub=shop.hub, today=today)

    with CaptureQueriesContext(connection) as queries:
        calendar = calendar_for(hub=shop.hub, today=today)

    assert len(queries) == 0
    assert calendar.pickup_points == [shop.pickup_point]
    assert calendar.closures == list(closure_list_upcoming(hub=shop.hub, today=today))
    assert [c.reason for c in calendar.closures] == ["Today"]
    assert calendar_for(hub=shop.hub, today=today + timedelta(days=1)).closures == []


def test_open_slot_rows_are_the_open_slots_of_each_kind(shop):
    other = factories.make_shop()
    now = clock.now()
    full = factories.slot(shop.hub, days=4, capacity=2)
    Slot.objects.filter(pk=full.pk).update(booked=2)
    factories.slot(shop.hub, days=1, cutoff_hours=48)  # cut-off passed
    booked = factories.slot(shop.hub, days=6, capacity=5)
    Slot.objects.filter(pk=booked.pk).update(booked=4)
    second_point = PickupPoint.objects.create(hub=shop.hub, name="B", address="x", postal_code="06000", city="Nice")
    factories.slot(shop.hub, kind=SlotKind.PICKUP, pickup_point=second_point, days=2)

    rows = slot_rows_open(hub=shop.hub, now=now)

    for kind in (SlotKind.DELIVERY, SlotKind.PICKUP):
        expected = list(slot_list_open(hub=shop.hub, kind=kind, now=now, limit=200))
        got = [row for row in rows if row.kind == kind]
        assert [(r.pk, r.pickup_point_id, r.starts_at, r.ends_at, r.remaining) for r in got] == [
            (s.pk, s.pickup_point_id, s.starts_at, s.ends_at, s.remaining) for s in expected
        ]
        assert all(r.starts_at.tzinfo is not None for r in got)
    assert {r.pk for r in rows}.isdisjoint({other.delivery_slot.pk, other.pickup_slot.pk})
    assert next(r.remaining for r in rows if r.pk == booked.pk) == 1


def test_a_fragment_is_rendered_once_per_set_of_values_and_language():
    fragments.forget()
    page = Template(
        '{% load i18n fragments %}{% fragment "t" who if keep %}{% translate "Basket" %} {{ who }} {{ n }}'
        "{% endfragment %}"
    )

    with translation.override("en"):
        assert page.render(Context({"who": "a", "n": 1, "keep": True})) == "Basket a 1"
        # Kept: a value outside the listed ones does not show (the template's promise).
        assert page.render(Context({"who": "a", "n": 2, "keep": True})) == "Basket a 1"
        assert page.render(Context({"who": "b", "n": 3, "keep": True})) == "Basket b 3"
        assert page.render(Context({"who": "a", "n": 4, "keep": False})) == "Basket a 4"
    with translation.override("fr"):
        assert page.render(Context({"who": "a", "n": 5, "keep": True})) == "Panier a 5"


def test_a_fragment_never_keeps_a_csrf_token():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load fragments %}{% fragment "t" %}{% csrf_token %}{% endfragment %}')
    # A token written some other way (an included template) is never kept either.
    fragments.forget()
    page = Template('{% load fragments %}{% fragment "t" %}{{ token }}{% endfragment %}')
    token = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'

    first = page.render(Context({"token": format_html(token, "one")}))
    second = page.render(Context({"token": format_html(token, "two")}))

    assert "one" in first
    assert "two" in second
