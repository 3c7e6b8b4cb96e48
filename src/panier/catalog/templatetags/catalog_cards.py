"""Product cards of the catalogue lists, rendered once and kept in the cache.

A card is the same HTML for every visitor. Each one is stored under the
hub's content version (moved after every catalog write, see
``catalog.invalidation``) and a digest of its stub:
product id, and the id, price and stock band of each variant on sale,
read on every request in one light query. The key also holds the
language, the heading level, the hub's slug (its URLs) and a digest of
the card template. So a price or band that changed shows at once even if
no signal moved the version (a bulk ``update()``), and only the cards
missing from the cache are loaded from the database and rendered. The
only per-request part, the ``next`` field of the add form, is filled in
after the cache.

A product page without its reviews is kept the same way
(:func:`product_page`), with its title, so a view of a kept page loads no
product at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache as memoize

from django import template
from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from panier.catalog.invalidation import content_version, content_version_with
from panier.catalog.models import Product
from panier.catalog.selectors import (
    CardStub,
    ProductDetail,
    card_stub,
    product_cards_by_id,
    product_detail_load,
)

register = template.Library()

CARD_TEMPLATE = "catalog/shop/_product_card.html"
BODY_TEMPLATE = "catalog/shop/_product_body.html"
#: Stands for the ``next`` path in a stored card; never part of a page.
_NEXT = "\x00next\x00"


@memoize
def _template_digest(name: str = CARD_TEMPLATE) -> str:
    """Digest of a template: a new release never serves fragments of the old one."""
    source = get_template(name).template.source
    return hashlib.blake2b(source.encode(), digest_size=8).hexdigest()


def card_key(stub: CardStub, *, hub_id: int, hub_slug: str, version: int, language: str, level: int) -> str:
    raw = repr((hub_slug, language, level, _template_digest(), stub.product_id, stub.offers))
    return f"card:{hub_id}:{version}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"


def _render_missing(stubs: dict[str, CardStub], *, hub, level: int) -> dict[str, str]:
    """Load and render the cards of ``stubs`` (key -> stub); return key -> HTML."""
    cards = product_cards_by_id(stub.product_id for stub in stubs.values())
    card_template = get_template(CARD_TEMPLATE)
    add_url = reverse("cart:add", kwargs={"hub_slug": hub.slug})
    rendered = {}
    for key, stub in stubs.items():
        card = cards.get(stub.product_id)
        if card is None:  # deleted since the list was read
            rendered[key] = ""
            continue
        rendered[key] = card_template.render(
            {
                "card": card,
                "level": level,
                "next_path": _NEXT,
                "add_url": add_url,
                "product_url": reverse("catalog:product", kwargs={"hub_slug": hub.slug, "slug": card.product.slug}),
                "producer_url": reverse(
                    "catalog:producer", kwargs={"hub_slug": hub.slug, "slug": card.producer.slug}
                ),
            }
        )
    # A card that changed between the two reads is shown but not stored
    # under the key of what it was before.
    to_store = {
        key: html
        for key, html in rendered.items()
        if stubs[key].product_id in cards and card_stub(cards[stubs[key].product_id]) == stubs[key]
    }
    cache.set_many(to_store, timeout=settings.PANIER_PAGE_CACHE_TTL_S)
    return rendered


@register.simple_tag(takes_context=True)
def product_cards(context, stubs: list[CardStub], level: int = 2) -> SafeString:
    """Render the cards of a list, taking the unchanged ones from the cache."""
    if not stubs:
        return mark_safe("")  # noqa: S308
    hub = context["hub"]
    language = get_language() or settings.LANGUAGE_CODE
    version = content_version(hub.pk)
    keys = [
        card_key(stub, hub_id=hub.pk, hub_slug=hub.slug, version=version, language=language, level=level)
        for stub in stubs
    ]
    stored = cache.get_many(keys)
    if len(stored) < len(keys):
        missing = {key: stub for key, stub in zip(keys, stubs, strict=True) if key not in stored}
        stored.update(_render_missing(missing, hub=hub, level=level))
    request = context.get("request")
    next_path = escape(request.get_full_path()) if request is not None else ""
    return mark_safe("".join(stored[key] for key in keys).replace(_NEXT, next_path))  # noqa: S308


@dataclass(frozen=True, slots=True)
class ProductPage:
    """A product page without its reviews, as kept in the cache."""

    product_id: int
    #: The product's name in the page's language (escaped when shown).
    title: str
    #: The rendered body, with a mark where the add form's return path goes.
    body: str

    @property
    def product(self) -> Product:
        """The product, enough to name it to other apps' tags (its id only)."""
        return Product(pk=self.product_id)


def _page_key(stub: CardStub, *, hub, language: str) -> str:
    """Where the page of ``stub`` is kept: everything the body shows but the content version.

    The version is kept in the value and compared on reading, so the version
    and the page are read together.
    """
    raw = repr(
        (
            hub.slug,
            hub.name,
            str(hub.selling_mode),
            str(hub.vat_regime),
            language,
            _template_digest(BODY_TEMPLATE),
            stub.product_id,
            stub.offers,
        )
    )
    return f"product-page:{hub.pk}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"


def product_page_render(detail: ProductDetail, *, hub) -> ProductPage:
    """Render a product page and keep it under the version its data was read under.

    Kept under the prices and bands of the loaded product itself, and under
    ``detail.content_version`` rather than the current version: a page
    rendered from data read before a write must not pass for the page of
    the version that write moved to.
    """
    language = get_language() or settings.LANGUAGE_CODE
    page = ProductPage(
        product_id=detail.product.pk,
        title=str(detail.product.display_name),
        body=get_template(BODY_TEMPLATE).render({"detail": detail, "hub": hub, "next_path": _NEXT}),
    )
    cache.set(
        _page_key(card_stub(detail), hub=hub, language=language),
        (detail.content_version, page.title, page.body),
        timeout=settings.PANIER_PAGE_CACHE_TTL_S,
    )
    return page


def product_page(*, hub, stub: CardStub) -> ProductPage | None:
    """Return the page of a product on sale from the cache, else load and render it.

    ``stub`` comes from :func:`selectors.product_page_stub`, read just
    before. The hub's content version and the kept page come in one cache
    read; a page kept under another version, or under other prices or
    stock bands, is not used. None if the product went off sale since the
    stub was read.
    """
    language = get_language() or settings.LANGUAGE_CODE
    version, kept = content_version_with(hub.pk, _page_key(stub, hub=hub, language=language))
    if isinstance(kept, tuple) and len(kept) == 3 and kept[0] == version:
        return ProductPage(product_id=stub.product_id, title=kept[1], body=kept[2])
    detail = product_detail_load(hub=hub, product_id=stub.product_id, version=version)
    if detail is None:
        return None
    return product_page_render(detail, hub=hub)


@register.simple_tag(takes_context=True)
def product_body(context, page: ProductPage) -> SafeString:
    """Show a kept product page body, with this request's path in its add form."""
    request = context.get("request")
    next_path = escape(request.get_full_path()) if request is not None else ""
    return mark_safe(page.body.replace(_NEXT, next_path))  # noqa: S308
