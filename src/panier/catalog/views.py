"""Storefront catalog pages: home, product lists, producers, search."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from panier.catalog import selectors
from panier.catalog.search import MAX_QUERY_LENGTH
from panier.catalog.templatetags.catalog_cards import product_page
from panier.hubs.decorators import hub_view
from panier.hubs.models import Hub


def _page(request: HttpRequest, products) -> tuple:
    """Return (page, card stubs) for the ``page`` query parameter; bad numbers give a valid page.

    Only the ids of the page are read here; the cards come from the cache
    and only the missing ones are loaded (``catalog_cards.product_cards``).
    """
    ids = products.select_related(None).prefetch_related(None).values_list("pk", flat=True)
    page = Paginator(ids, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return page, selectors.card_stubs(page.object_list)


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@hub_view
def hub_home(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    lists = selectors.hub_lists(hub=hub)
    context = {
        "hub": hub,
        "categories": lists.categories,
        "producers": lists.producers,
        "cards": selectors.product_latest(hub=hub),
    }
    return render(request, "catalog/shop/hub_home.html", context)


@hub_view
def product_list(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    """All products, filtered by the ``category`` and ``producer`` slugs if given."""
    lists = selectors.hub_lists(hub=hub)
    categories, producers = lists.categories, lists.producers
    category_slug = request.GET.get("category", "")
    producer_slug = request.GET.get("producer", "")
    category = next((c for c in categories if c.slug == category_slug), None)
    producer = next((p for p in producers if p.slug == producer_slug), None)
    page, cards = _page(
        request, selectors.product_list(hub=hub, category=category, producer=producer)
    )
    context = {
        "hub": hub,
        "categories": categories,
        "producers": producers,
        "category": category,
        "producer": producer,
        "page": page,
        "cards": cards,
        "query_string": _query_without_page(request),
    }
    return render(request, "catalog/shop/product_list.html", context)


@hub_view
def category_detail(request: HttpRequest, *, hub: Hub, slug: str) -> HttpResponse:
    category = selectors.category_get(hub=hub, slug=slug)
    if category is None:
        raise Http404("unknown category")
    page, cards = _page(request, selectors.product_list(hub=hub, category=category))
    context = {
        "hub": hub,
        "category": category,
        "categories": selectors.category_list(hub=hub),
        "page": page,
        "cards": cards,
        "query_string": _query_without_page(request),
    }
    return render(request, "catalog/shop/category_detail.html", context)


@hub_view
def producer_list(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    context = {"hub": hub, "producers": selectors.producer_list(hub=hub)}
    return render(request, "catalog/shop/producer_list.html", context)


@hub_view
def producer_detail(request: HttpRequest, *, hub: Hub, slug: str) -> HttpResponse:
    producer = selectors.producer_get(hub=hub, slug=slug)
    if producer is None:
        raise Http404("unknown producer")
    page, cards = _page(request, selectors.product_list(hub=hub, producer=producer))
    context = {
        "hub": hub,
        "producer": producer,
        "page": page,
        "cards": cards,
        "query_string": _query_without_page(request),
    }
    return render(request, "catalog/shop/producer_detail.html", context)


@hub_view
def product_detail(request: HttpRequest, *, hub: Hub, slug: str) -> HttpResponse:
    stub = selectors.product_page_stub(hub=hub, slug=slug)
    page = product_page(hub=hub, stub=stub) if stub is not None else None
    if page is None:
        raise Http404("unknown product")
    return render(request, "catalog/shop/product_detail.html", {"hub": hub, "page": page})


@hub_view
def search(request: HttpRequest, *, hub: Hub) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH].strip()
    page, cards = (None, [])
    if query:
        page, cards = _page(request, selectors.product_search_list(hub=hub, query=query))
    context = {
        "hub": hub,
        "query": query,
        "page": page,
        "cards": cards,
        "query_string": _query_without_page(request),
    }
    return render(request, "catalog/shop/search.html", context)
