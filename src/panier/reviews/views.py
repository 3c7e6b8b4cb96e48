"""Customer pages of reviews: writing a review, the notice, reporting a review."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from panier.core import clock
from panier.core.errors import PanierError
from panier.hubs.decorators import hub_view
from panier.orders.models import OrderLine
from panier.reviews import rules
from panier.reviews.forms import ReportForm, ReviewForm
from panier.reviews.models import Review, ReviewStatus
from panier.reviews.selectors import lines_to_review
from panier.reviews.services import review_report, review_submit
from panier.traffic.rules import client_ip


def request_ip(request: HttpRequest) -> str:
    """Return the client address (for the hashed network prefix only)."""
    return client_ip(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.PANIER_TRUSTED_PROXIES,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def line_review(request: HttpRequest, line_id: int) -> HttpResponse:
    """Write the review of one delivered order line (its buyer only)."""
    line = OrderLine.objects.select_related("order", "order__hub").filter(pk=line_id).first()
    if line is None or line.order.user_id != request.user.pk:
        raise Http404("unknown order line")
    order = line.order
    request.hub = order.hub  # type: ignore[attr-defined]
    status = 200
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                review_submit(
                    user=request.user,
                    order_line_id=line.pk,
                    rating=data["rating"],
                    title=data["title"],
                    body=data["body"],
                    ip=request_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except PanierError as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request, _("Thank you! Your review will be published once a moderator has checked it.")
                )
                return redirect(order.get_absolute_url())
        else:
            status = 400
    entry = next(item for item in lines_to_review(order=order, user=request.user, now=clock.now()) if item.line.pk == line.pk)
    context = {"hub": order.hub, "order": order, "entry": entry, "form": form}
    return render(request, "reviews/shop/line_review.html", context, status=status)


@hub_view
def notice(request: HttpRequest, *, hub) -> HttpResponse:
    """How this hub checks its reviews (C. conso L111-7-2 and D111-19)."""
    context = {
        "hub": hub,
        "window_days": rules.REVIEW_WINDOW.days,
        "moderation_days": rules.MODERATION_DELAY_DAYS,
        "retention_years": rules.RETENTION_YEARS,
    }
    return render(request, "reviews/shop/notice.html", context)


@never_cache
@hub_view
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, review_id: int, *, hub) -> HttpResponse:
    """Report a doubt about a published review; free and open to anyone."""
    review = (
        Review.objects.select_related("product")
        .filter(pk=review_id, hub=hub, status=ReviewStatus.PUBLISHED)
        .first()
    )
    if review is None:
        raise Http404("unknown review")
    status = 200
    form = ReportForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                review_report(review_id=review.pk, hub_id=hub.pk, reporter=request.user, **form.cleaned_data)
            except PanierError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Thank you. A moderator will look at this review."))
                return redirect("catalog:product", hub_slug=hub.slug, slug=review.product.slug)
        else:
            status = 400
    return render(request, "reviews/shop/report.html", {"hub": hub, "review": review, "form": form}, status=status)
