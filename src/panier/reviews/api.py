"""Reviews API: the published reviews of a product."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from panier.catalog.api import hub_or_404
from panier.catalog.selectors import product_list
from panier.core.api import PageIn, errors, paginate, slug_or_404
from panier.core.errors import NotFound
from panier.reviews import rules
from panier.reviews.schemas import ReviewPageOut
from panier.reviews.selectors import review_list_published, review_summary

router = Router(tags=["reviews"])


class ReviewSortIn(Schema):
    sort: Literal["recent", "oldest", "highest", "lowest"] = Field(
        rules.SORT_RECENT, description="Order of the reviews; the default is the most recent first."
    )


@router.get(
    "/hubs/{hub}/products/{slug}/reviews",
    response={200: ReviewPageOut, **errors(404, 422)},
    summary="List the published reviews of a product",
)
def review_list_api(request: HttpRequest, hub: str, slug: str, filters: Query[ReviewSortIn], page: Query[PageIn]):
    """Verified reviews only: each comes from a delivered order line and was moderated."""
    product = product_list(hub=hub_or_404(hub)).filter(slug=slug_or_404(slug)).first()
    if product is None:
        raise NotFound()
    summary = review_summary(product=product)
    body = paginate(review_list_published(product=product, sort=filters.sort), page)
    return {**body, "average_tenths": summary.average_tenths, "sort": filters.sort}
