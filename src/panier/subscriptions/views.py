"""The customer's subscription pages (account area)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from panier.cart.session import request_cart
from panier.core import clock
from panier.core.errors import PanierError
from panier.hubs.models import Hub
from panier.payments.adapters.base import ProviderError
from panier.subscriptions.errors import SubscriptionNotFound
from panier.subscriptions.forms import LinesForm, PauseForm, SkipForm, SlotForm, SubscribeForm
from panier.subscriptions.models import SubscriptionStatus
from panier.subscriptions.selectors import (
    subscription_access,
    subscription_list_for_user,
    subscription_runs,
)
from panier.subscriptions.services import (
    SubscriptionDetails,
    subscription_cancel,
    subscription_card_open,
    subscription_card_returned,
    subscription_create,
    subscription_estimate_cents,
    subscription_lines_replace,
    subscription_lines_update,
    subscription_pause,
    subscription_resume,
    subscription_skip,
    subscription_slot_change,
    subscription_upcoming,
)


def _today(subscription) -> date:
    return timezone.localtime(clock.now(), ZoneInfo(subscription.hub.timezone)).date()


def _get(request: HttpRequest, public_id):
    try:
        return subscription_access(request.user, public_id)
    except SubscriptionNotFound:
        raise Http404("unknown subscription") from None


def _render_detail(
    request: HttpRequest, subscription, *, status: int = 200, **forms
) -> HttpResponse:
    now = clock.now()
    upcoming = subscription_upcoming(subscription=subscription, today=_today(subscription))
    skipped = set(subscription.skips.values_list("cycle_on", flat=True))
    lines = list(subscription.lines.select_related("variant__product"))
    context = {
        "subscription": subscription,
        "hub": subscription.hub,
        "lines": lines,
        "estimate_cents": subscription_estimate_cents(subscription=subscription),
        "upcoming": [(day, day in skipped) for day in upcoming],
        "runs": subscription_runs(subscription=subscription),
        "lines_form": forms.get("lines_form") or LinesForm(lines=lines),
        "skip_form": forms.get("skip_form") or SkipForm(upcoming=upcoming),
        "pause_form": forms.get("pause_form") or PauseForm(),
        "slot_form": forms.get("slot_form") or SlotForm(hub=subscription.hub, now=now),
        "error": forms.get("error", ""),
        "is_open": subscription.status != SubscriptionStatus.CANCELLED,
    }
    return render(request, "subscriptions/shop/detail.html", context, status=status)


@never_cache
@login_required
@require_GET
def subscription_list(request: HttpRequest) -> HttpResponse:
    rows = subscription_list_for_user(user=request.user)
    return render(request, "subscriptions/shop/list.html", {"rows": rows})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def subscription_new(request: HttpRequest, hub_slug: str) -> HttpResponse:
    """Subscribe to the current basket of this shop."""
    hub = get_object_or_404(Hub, slug=hub_slug)
    request.hub = hub  # type: ignore[attr-defined]
    cart = request_cart(request, hub)
    now = clock.now()
    form = SubscribeForm(
        request.POST or None,
        hub=hub,
        now=now,
        initial={"first_name": request.user.first_name, "last_name": request.user.last_name},
    )
    context = {"form": form, "hub": hub, "cart": cart}
    if request.method != "POST":
        return render(request, "subscriptions/shop/new.html", context)
    if not form.is_valid():
        return render(request, "subscriptions/shop/new.html", context, status=400)
    data = form.cleaned_data
    try:
        subscription = subscription_create(
            hub=hub,
            user=request.user,
            cart=cart,
            slot_id=data["slot"].pk,
            details=SubscriptionDetails(
                every_days=data["every_days"],
                shortage_policy=data["shortage_policy"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                address_line1=data["address_line1"],
                address_line2=data["address_line2"],
                postal_code=data["postal_code"],
                city=data["city"],
            ),
            language=get_language() or "fr",
            now=now,
        )
    except PanierError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return render(request, "subscriptions/shop/new.html", context, status=409)
    return _card_redirect(request, subscription)


def _card_redirect(request: HttpRequest, subscription) -> HttpResponse:
    return_url = request.build_absolute_uri(
        reverse("subscriptions:card_return", kwargs={"public_id": subscription.public_id})
    )
    try:
        payment = subscription_card_open(subscription=subscription, return_url=return_url)
    except ProviderError:
        return _render_detail(
            request,
            subscription,
            status=503,
            error=_("The payment service did not answer. Please try again in a moment."),
        )
    except PanierError as exc:
        return _render_detail(request, subscription, status=409, error=exc.message)
    return redirect(payment.redirect_url)


@never_cache
@login_required
@require_GET
def subscription_detail(request: HttpRequest, public_id) -> HttpResponse:
    return _render_detail(request, _get(request, public_id))


@login_required
@require_POST
def card_open(request: HttpRequest, public_id) -> HttpResponse:
    return _card_redirect(request, _get(request, public_id))


@never_cache
@login_required
@require_GET
def card_return(request: HttpRequest, public_id) -> HttpResponse:
    subscription = _get(request, public_id)
    try:
        subscription = subscription_card_returned(subscription=subscription)
    except ProviderError:
        return _render_detail(
            request,
            subscription,
            status=503,
            error=_("The payment service did not answer. Please try again in a moment."),
        )
    except PanierError as exc:
        return _render_detail(request, subscription, status=409, error=exc.message)
    messages.success(request, _("Your card is saved: your subscription is active."))
    return redirect("subscriptions:detail", public_id=subscription.public_id)


def _action(
    request: HttpRequest, subscription, call, *, form_name: str = "", form=None
) -> HttpResponse:
    try:
        call()
    except PanierError as exc:
        if form is not None:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return _render_detail(request, subscription, status=409, **{form_name: form})
        return _render_detail(request, subscription, status=409, error=exc.message)
    messages.success(request, _("Your subscription is updated."))
    return redirect("subscriptions:detail", public_id=subscription.public_id)


@login_required
@require_POST
def skip(request: HttpRequest, public_id) -> HttpResponse:
    subscription = _get(request, public_id)
    today = _today(subscription)
    form = SkipForm(
        request.POST, upcoming=subscription_upcoming(subscription=subscription, today=today)
    )
    if not form.is_valid():
        return _render_detail(request, subscription, status=400, skip_form=form)
    return _action(
        request,
        subscription,
        lambda: subscription_skip(
            subscription=subscription, cycle_on=form.cleaned_data["cycle_on"], today=today
        ),
        form_name="skip_form",
        form=form,
    )


@login_required
@require_POST
def pause(request: HttpRequest, public_id) -> HttpResponse:
    subscription = _get(request, public_id)
    form = PauseForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, subscription, status=400, pause_form=form)
    until = form.cleaned_data["until"]
    if until is not None and until < _today(subscription):
        form.add_error("until", _("Choose a date in the future."))
        return _render_detail(request, subscription, status=400, pause_form=form)
    return _action(
        request,
        subscription,
        lambda: subscription_pause(subscription=subscription, until=until),
        form_name="pause_form",
        form=form,
    )


@login_required
@require_POST
def resume(request: HttpRequest, public_id) -> HttpResponse:
    subscription = _get(request, public_id)
    return _action(request, subscription, lambda: subscription_resume(subscription=subscription))


@login_required
@require_POST
def cancel(request: HttpRequest, public_id) -> HttpResponse:
    subscription = _get(request, public_id)
    return _action(request, subscription, lambda: subscription_cancel(subscription=subscription))


@login_required
@require_POST
def lines(request: HttpRequest, public_id) -> HttpResponse:
    subscription = _get(request, public_id)
    form = LinesForm(request.POST, lines=subscription.lines.select_related("variant__product"))
    if not form.is_valid():
        return _render_detail(request, subscription, status=400, lines_form=form)
    return _action(
        request,
        subscription,
        lambda: subscription_lines_update(subscription=subscription, quantities=form.quantities()),
        form_name="lines_form",
        form=form,
    )


@login_required
@require_POST
def lines_replace(request: HttpRequest, public_id) -> HttpResponse:
    subscription = _get(request, public_id)
    cart = request_cart(request, subscription.hub)
    return _action(
        request,
        subscription,
        lambda: subscription_lines_replace(subscription=subscription, cart=cart),
    )


@login_required
@require_POST
def slot_change(request: HttpRequest, public_id) -> HttpResponse:
    subscription = _get(request, public_id)
    form = SlotForm(request.POST, hub=subscription.hub, now=clock.now())
    if not form.is_valid():
        return _render_detail(request, subscription, status=400, slot_form=form)
    return _action(
        request,
        subscription,
        lambda: subscription_slot_change(
            subscription=subscription, slot_id=form.cleaned_data["slot"].pk
        ),
        form_name="slot_form",
        form=form,
    )
