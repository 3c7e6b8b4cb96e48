"""Every back-office URL refuses other hubs, other producers and missing roles.

The URL patterns are walked from the root resolver, so a back-office page
added without ``hub_access`` / ``producer_access`` / ``platform_access``
makes these tests fail.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.decorators.http import require_POST

from panier.hubs import access
from panier.hubs.models import HubRole, HubStaff
from panier.producers.access import PRODUCER_MANAGE
from panier.producers.models import ProducerStaff
from tests import factories

# A URL is a back-office URL when one of its path segments is one of these.
BACK_OFFICE_SEGMENTS = {"operator", "producer", "driver"}
# Pages that only list the signed-in user's own hubs or producers.
LISTS_OF_OWN = {"operator:index", "producer:index"}
# URL parameters the fixture fills with real objects of the attacked hub.
REAL_OBJECTS = {"number", "product_id", "variant_id", "staff_id"}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield route, name, entry.callback


def _segments(route: str) -> set[str]:
    return {part for part in re.split(r"[/^$]", route) if part}


def back_office_urls():
    return sorted(
        (route, name, callback)
        for route, name, callback in _walk(get_resolver().url_patterns)
        if _segments(route) & BACK_OFFICE_SEGMENTS and not route.startswith("admin/")
    )


def _permission(callback) -> str | None:
    view = callback
    while view is not None:
        perm = getattr(view, "access_permission", None)
        if perm:
            return perm
        view = getattr(view, "__wrapped__", None) or getattr(view, "view_class", None)
    return None


def test_the_walk_finds_the_back_offices():
    """The audit sees the order board, packing, rounds, driver, producer and report pages."""
    names = {name for _, name, _ in back_office_urls()}

    assert {"operator:board", "packing:day", "rounds:day", "driver:index", "producer:dashboard",
            "invoicing:operator_report", "traffic:board"} <= names


def test_every_back_office_url_declares_its_permission():
    """A back-office view without an access check (and its permission) fails here."""
    unguarded = [
        name for route, name, callback in back_office_urls()
        if name not in LISTS_OF_OWN and _permission(callback) is None
    ]

    assert unguarded == []


def test_every_declared_permission_exists():
    """Each declared permission is in the matrix (or is the producer check)."""
    known = access.HUB_PERMISSIONS | access.PLATFORM_PERMISSIONS | {PRODUCER_MANAGE}
    declared = {_permission(cb) for _, name, cb in back_office_urls() if name not in LISTS_OF_OWN}

    assert declared <= known


@pytest.fixture
def victim(shop):
    """The shop under attack, with an order, and a second shop whose staff attack it."""
    order = factories.placed_order(shop, [(0, 1)])
    attacker = factories.make_shop()
    return shop, order, attacker


def _kwargs(route: str, shop, order, *, hub=None, producer=None, products=None) -> dict:
    hub = hub or shop.hub
    producer = producer or shop.producers[0]
    products = products or shop.products
    values = {
        "hub_slug": hub.slug,
        "producer_id": producer.pk,
        "number": order.number,
        "product_id": products[0].pk,
        "variant_id": products[0].variants.get().pk,
        "image_id": 999_999,
        "round_id": 999_999,
        "stop_id": 999_999,
        "staff_id": shop.hub.staff.get(user=shop.operator).pk,
        "kind": "vat",
        "fmt": "pdf",
    }
    found = set(re.findall(r"<(?:\w+:)?(\w+)>", route)) | set(re.findall(r"\(\?P<(\w+)>", route))
    # An unknown parameter gets an id that matches nothing.
    return {key: values.get(key, 999_999) for key in found}


def _fetch(client, url):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def _hub_urls():
    return [(r, n, cb) for r, n, cb in back_office_urls() if "hub_slug" in r]


def test_other_hubs_staff_get_404_everywhere(client, victim):
    """The owner of another hub gets 404 from every page of this hub, for every method."""
    shop, order, attacker = victim
    factories.login_staff(client, attacker.operator)
    answers = {}

    for route, name, _ in _hub_urls():
        url = reverse(name, kwargs=_kwargs(route, shop, order))
        answers[name] = _fetch(client, url).status_code

    assert answers == dict.fromkeys(answers, 404)


def test_objects_of_another_hub_answer_404_in_ones_own_hub(client, victim):
    """Own hub in the URL, another hub's order or product ids: 404, never the object."""
    shop, order, attacker = victim
    factories.login_staff(client, attacker.operator)
    answers = {}

    for route, name, _ in _hub_urls():
        kwargs = _kwargs(route, shop, order, hub=attacker.hub)
        objects = set(kwargs) - {"hub_slug", "kind", "fmt"}
        if not objects or not objects <= REAL_OBJECTS:
            continue  # nothing of the other hub in the URL, or no such object in the fixture
        answers[name] = _fetch(client, reverse(name, kwargs=kwargs)).status_code

    assert answers
    assert answers == dict.fromkeys(answers, 404)


@pytest.mark.parametrize("role", [HubRole.SUPPORT, HubRole.LOGISTICS, HubRole.ACCOUNTING])
def test_a_role_without_the_permission_gets_403(client, victim, role):
    """Staff of the hub whose role lacks a page's permission get 403; with it, no 403/404 on the hub."""
    shop, order, _ = victim
    member = factories.user()
    HubStaff.objects.create(hub=shop.hub, user=member, role=role)
    factories.login_staff(client, member)
    refused, allowed = {}, {}

    for route, name, callback in _hub_urls():
        perm = _permission(callback)
        status = _fetch(client, reverse(name, kwargs=_kwargs(route, shop, order))).status_code
        (allowed if access.role_allows(role, perm) else refused)[name] = status

    assert refused == dict.fromkeys(refused, 403)
    assert allowed  # every role opens at least the order board
    assert all(status not in (403, 500) for status in allowed.values())


def test_other_producers_staff_get_404_everywhere(client, victim):
    """Staff of another producer (same hub or not) get 404 from every producer page."""
    shop, order, attacker = victim
    neighbour = factories.user()
    ProducerStaff.objects.create(producer=shop.producers[1], user=neighbour)
    answers = {}

    for user in (neighbour, attacker.producer_user):
        factories.login_staff(client, user)
        for route, name, _ in back_office_urls():
            if "producer_id" in route:
                url = reverse(name, kwargs=_kwargs(route, shop, order))
                answers[(user.pk, name)] = _fetch(client, url).status_code

    assert answers
    assert answers == dict.fromkeys(answers, 404)


def test_a_producer_cannot_reach_another_producers_objects_through_its_own_id(client, victim):
    """Own producer id in the URL, products of another producer: 404."""
    shop, order, attacker = victim
    factories.login_staff(client, attacker.producer_user)
    answers = {}

    for route, name, _ in back_office_urls():
        if "producer_id" in route and ("product_id" in route or "variant_id" in route):
            kwargs = _kwargs(route, shop, order, producer=attacker.producers[0])
            answers[name] = _fetch(client, reverse(name, kwargs=kwargs)).status_code

    assert answers
    assert answers == dict.fromkeys(answers, 404)


def test_anonymous_visitors_never_get_a_back_office_page(client, victim):
    """Without a session, every back-office URL redirects to the log-in page."""
    shop, order, _ = victim
    answers = {}

    for route, name, _ in back_office_urls():
        answers[name] = _fetch(client, reverse(name, kwargs=_kwargs(route, shop, order))).status_code

    assert answers == dict.fromkeys(answers, 302)


def test_the_audit_tells_a_guarded_view_from_an_unguarded_one():
    """A bare view has no permission; the decorators' permission survives require_POST."""
    def bare(request):
        return None

    guarded = require_POST(access.hub_access(access.ORDERS_REFUND)(bare))

    assert _permission(bare) is None
    assert _permission(guarded) == access.ORDERS_REFUND
