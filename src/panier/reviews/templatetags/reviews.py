"""Review blocks included in pages of lower apps (product page, order page).

The catalog and orders templates only name these tags; the data comes
from the reviews selectors, so those apps need not know about reviews.
"""

from __future__ import annotations

from django import template
from django.core.cache import cache
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from panier.core import clock
from panier.core.cache_versions import catalog_version
from panier.orders.models import OrderStatus
from panier.reviews import rules
from panier.reviews.selectors import (
    lines_to_review,
    review_list_published,
    review_summary,
    sort_choices,
)

register = template.Library()

REVIEWS_PER_PAGE = 10
#: Seconds a rendered reviews block is kept (a changed review moves the
#: version at once; this bounds what a missed move could leave).
REVIEWS_BLOCK_CACHE_S = 600


class _CountedPaginator(Paginator):
    """A paginator told the number of items instead of counting them again."""

    def __init__(self, object_list, per_page, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


@register.simple_tag(takes_context=True)
def product_reviews(context, product, hub):
    """The reviews of a product: summary, sort order, the list, how they are checked.

    The block is the same for every visitor of a product page (no form
    token, no personal part), so it is kept rendered in the cache under the
    hub's catalog version, which every publication, reply, removal and
    erasure of a review moves: a kept block never outlives a change.
    """
    request = context.get("request")
    sort = request.GET.get("sort", rules.SORT_RECENT) if request else rules.SORT_RECENT
    if sort not in rules.SORTS:
        sort = rules.SORT_RECENT
    raw_page = request.GET.get("reviews_page", "1") if request else "1"
    page_key = raw_page if raw_page.isdigit() and len(raw_page) <= 4 else "1"
    key = f"reviews-block:{product.pk}:{sort}:{page_key}:{get_language()}:{catalog_version(hub.pk)}"
    html = cache.get(key)
    if html is None:
        summary = review_summary(product=product)
        # The summary has just counted the published reviews: the paginator
        # takes that count, and a product without reviews runs no list query.
        reviews = review_list_published(product=product, sort=sort) if summary.count else []
        paginator = _CountedPaginator(reviews, REVIEWS_PER_PAGE, count=summary.count)
        page = paginator.get_page(page_key)
        html = render_to_string(
            "reviews/shop/_product_reviews.html",
            {"hub": hub, "product": product, "summary": summary, "page": page, "sort": sort, "sorts": sort_choices()},
        )
        cache.set(key, html, timeout=REVIEWS_BLOCK_CACHE_S)
    return mark_safe(html)  # noqa: S308 - rendered from our own template, autoescaped


@register.inclusion_tag("reviews/shop/_order_reviews.html", takes_context=True)
def order_reviews(context, order):
    """The order page's review box: a link to review each delivered line."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or order.status != OrderStatus.DELIVERED:
        return {"entries": [], "order": order}
    return {
        "entries": lines_to_review(order=order, user=user, now=clock.now()),
        "order": order,
        "is_logged_in": user.is_authenticated,
    }


@register.filter
def stars(rating: int) -> str:
    """Return a rating as filled and empty stars (★★★☆☆)."""
    rating = max(0, min(5, int(rating)))
    return "★" * rating + "☆" * (5 - rating)
