"""Producers' answers to the reviews of their products (under /producer/<id>/reviews/)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from panier.core.errors import PanierError
from panier.producers.access import producer_access
from panier.reviews.forms import ReplyForm
from panier.reviews.selectors import review_list_for_producer
from panier.reviews.services import review_reply


def _render(request: HttpRequest, producer, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    reviews = list(review_list_for_producer(producer=producer)[:200])
    forms = forms or {}
    for review in reviews:
        review.reply_form = forms.get(review.pk) or ReplyForm(prefix=f"r{review.pk}")
    return render(request, "reviews/producer/list.html", {"producer": producer, "reviews": reviews}, status=status)


@never_cache
@producer_access
def review_list(request: HttpRequest, *, producer) -> HttpResponse:
    """The published reviews of the producer's products, with a reply form on each."""
    return _render(request, producer)


@require_POST
@producer_access
def reply(request: HttpRequest, review_id: int, *, producer) -> HttpResponse:
    """Answer one review, once."""
    form = ReplyForm(request.POST, prefix=f"r{review_id}")
    if form.is_valid():
        try:
            review_reply(review_id=review_id, producer=producer, author=request.user, body=form.cleaned_data["body"])
        except PanierError as exc:
            if exc.status == 404:
                raise Http404("unknown review") from None
            form.add_error("body", exc.message)
            return _render(request, producer, forms={review_id: form}, status=exc.status)
        messages.success(request, _("Your reply is published under the review."))
        return redirect("reviews_producer:list", producer_id=producer.pk)
    return _render(request, producer, forms={review_id: form}, status=400)
