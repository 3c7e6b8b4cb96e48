"""The customer's privacy pages: download, delete, newsletter consent, unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from panier.core.errors import PanierError
from panier.privacy.errors import ConsentNotFound
from panier.privacy.forms import DeleteAccountForm, NewsletterForm
from panier.privacy.models import MarketingConsent
from panier.privacy.services import (
    account_delete_self,
    consent_confirm,
    consent_request,
    consent_withdraw,
    personal_data_json,
    personal_data_zip,
)


def _download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    consents = MarketingConsent.objects.filter(user=request.user).select_related("hub").order_by("pk")
    return render(request, "privacy/account/home.html", {
        "consents": consents, "newsletter_form": NewsletterForm(),
    })


@require_GET
@login_required
def export_json(request: HttpRequest) -> HttpResponse:
    """All the user's data as JSON (GDPR art. 15 and 20)."""
    return _download(personal_data_json(user=request.user, request=request), filename="panier-data.json",
                     content_type="application/json")


@require_GET
@login_required
def export_zip(request: HttpRequest) -> HttpResponse:
    """All the user's data as a ZIP of CSV files."""
    return _download(personal_data_zip(user=request.user, request=request), filename="panier-data.zip",
                     content_type="application/zip")


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Erase the account after the password is typed again."""
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "privacy/account/delete.html", {"form": form}, status=400)
        try:
            account_delete_self(user=request.user, password=form.cleaned_data["password"], request=request)
        except PanierError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return render(request, "privacy/account/delete.html", {"form": form},
                          status=409 if exc.status == 409 else 400)
        logout(request)
        messages.success(request, _("Your account has been deleted and your personal data erased."))
        return redirect("web:home")
    return render(request, "privacy/account/delete.html", {"form": form})


@require_POST
@login_required
def newsletter_subscribe(request: HttpRequest) -> HttpResponse:
    """Ask for a hub's newsletter; a confirmation e-mail follows (double opt-in)."""
    form = NewsletterForm(request.POST)
    if not form.is_valid():
        consents = MarketingConsent.objects.filter(user=request.user).select_related("hub")
        return render(request, "privacy/account/home.html", {"consents": consents, "newsletter_form": form},
                      status=400)
    consent_request(hub=form.cleaned_data["hub"], email=request.user.email, user=request.user, source="account")
    messages.success(request, _("Check your mailbox: follow the link we sent to confirm your subscription."))
    return redirect("privacy:home")


@require_GET
def newsletter_confirm(request: HttpRequest, token) -> HttpResponse:
    try:
        consent = consent_confirm(token=str(token))
    except ConsentNotFound as exc:
        return render(request, "privacy/public/message.html", {"message": exc.message}, status=404)
    return render(request, "privacy/public/message.html", {
        "message": _("Your subscription to the newsletter of %(hub)s is confirmed.") % {"hub": consent.hub.name},
    })


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token) -> HttpResponse:
    """One-click unsubscribe (RFC 8058): a POST unsubscribes with no login and no CSRF token.

    A GET only shows a button, so that link scanners never unsubscribe anyone.
    """
    consent = MarketingConsent.objects.filter(unsubscribe_token=token).select_related("hub").first()
    if consent is None:
        return render(request, "privacy/public/message.html", {"message": ConsentNotFound().message}, status=404)
    if request.method == "POST":
        consent_withdraw(unsubscribe_token=str(token))
        return render(request, "privacy/public/message.html", {
            "message": _("You will no longer receive the newsletter of %(hub)s.") % {"hub": consent.hub.name},
        })
    return render(request, "privacy/public/unsubscribe.html", {"consent": consent})
