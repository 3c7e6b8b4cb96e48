"""The moderation queue of a hub (under /operator/<hub>/reviews/)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from panier.core import clock
from panier.core.errors import PanierError
from panier.hubs import access
from panier.hubs.access import hub_access
from panier.reviews.forms import ModerationForm
from panier.reviews.selectors import moderation_queue
from panier.reviews.services import review_moderate


def _render_queue(request: HttpRequest, hub, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    items = moderation_queue(hub=hub, now=clock.now())
    forms = forms or {}
    for item in items:
        item.form = forms.get(item.review.pk) or ModerationForm(prefix=f"r{item.review.pk}")
    return render(request, "reviews/operator/queue.html", {"hub": hub, "items": items}, status=status)


@never_cache
@hub_access(access.REVIEWS_MODERATE)
def queue(request: HttpRequest, *, hub) -> HttpResponse:
    """Pending and reported reviews, oldest first, with their fraud signals."""
    return _render_queue(request, hub)


@require_POST
@hub_access(access.REVIEWS_MODERATE)
def decide(request: HttpRequest, review_id: int, *, hub) -> HttpResponse:
    """Approve or refuse one review of the queue."""
    form = ModerationForm(request.POST, prefix=f"r{review_id}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            review_moderate(
                review_id=review_id,
                hub_id=hub.pk,
                actor=request.user,
                approve=data["decision"] == "approve",
                reason=data["reason"],
                note=data["note"],
            )
        except PanierError as exc:
            if exc.status == 404:
                raise Http404("unknown review") from None
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return _render_queue(request, hub, forms={review_id: form}, status=exc.status)
        if data["decision"] == "approve":
            messages.success(request, _("Review approved."))
        else:
            messages.success(request, _("Review refused; its author has been told why by e-mail."))
        return redirect("reviews_operator:queue", hub_slug=hub.slug)
    return _render_queue(request, hub, forms={review_id: form}, status=400)
