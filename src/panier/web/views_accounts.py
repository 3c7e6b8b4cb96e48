"""Login, logout, sign-up, e-mail confirmation, password reset, two-factor
authentication and the customer's list of orders.

An account whose address is not confirmed keeps the session it signed up
with (the basket and checkout carry on) but cannot log in again with its
password until the link in the confirmation e-mail is followed; a
password-reset link confirms the address too.
"""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from panier.accounts.forms import EmailAuthenticationForm, SignupForm, TwoFactorCodeForm
from panier.accounts.services import (
    email_mark_verified,
    email_verification_send,
    email_verification_token,
    email_verify,
    recovery_codes_generate,
    recovery_codes_left,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_verify,
    two_factor_disable,
    two_factor_required,
    two_factor_step,
)
from panier.cart.session import merge_request_carts
from panier.core.errors import PanierError
from panier.orders.selectors import order_list_for_user
from panier.traffic.rules import client_ip


def _client_ip(request: HttpRequest) -> str:
    return client_ip(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.PANIER_TRUSTED_PROXIES,
    )


def _send_verification(request: HttpRequest, user) -> None:
    path = reverse("accounts:verify_email", kwargs={"token": email_verification_token(user=user)})
    email_verification_send(
        user=user, link=request.build_absolute_uri(path), language=translation.get_language() or "fr"
    )


class LoginView(auth_views.LoginView):
    """Log in with e-mail and password; the anonymous baskets join the user's."""

    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "client_ip": _client_ip(self.request)}

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        merge_request_carts(self.request, user)
        step = two_factor_step(user=user)
        if step is not None:
            return _two_factor_redirect(step, response.url)
        return response

    def form_invalid(self, form):
        if form.unverified_user is not None:
            _send_verification(self.request, form.unverified_user)
        throttled = any(e.code == "login_throttled" for e in form.non_field_errors().as_data())
        return self.render_to_response(self.get_context_data(form=form), status=429 if throttled else 200)


class LogoutView(auth_views.LogoutView):
    """Log out (POST only, as Django requires), then go home."""


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@sensitive_post_parameters("password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, log it in and keep the baskets filled so far."""
    if request.user.is_authenticated:
        return redirect("web:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request)}, status=400)
        user = form.save()
        _send_verification(request, user)
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        merge_request_carts(request, user)
        messages.info(request, _("We sent you a link to confirm your e-mail address."))
        return redirect(_safe_next(request) or "accounts:orders")
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request)})


def _detail_url(order) -> str | None:
    try:
        return reverse("orders:detail", kwargs={"number": order.number})
    except NoReverseMatch:
        return None


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    """The user's orders at every hub, newest first."""
    orders = list(order_list_for_user(user=request.user))
    rows = [(order, _detail_url(order)) for order in orders]
    return render(request, "accounts/orders.html", {"rows": rows})


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """Follow the link of the confirmation e-mail."""
    try:
        email_verify(token=token)
    except PanierError as exc:
        return render(request, "accounts/verify_email.html", {"error": exc.message}, status=400)
    messages.success(request, _("Your e-mail address is confirmed."))
    return redirect("accounts:orders" if request.user.is_authenticated else "accounts:login")


# Password reset: Django's token flow. The first page answers the same way
# whether or not an account uses the address.


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Only the owner of the mailbox could follow the link.
        email_mark_verified(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# Two-factor authentication --------------------------------------------------


def _two_factor_redirect(step: str, next_url: str | None) -> HttpResponse:
    name = "accounts:two_factor_verify" if step == "verify" else "accounts:two_factor_enrol"
    target = reverse(name)
    if next_url:
        target += "?" + urlencode({"next": next_url})
    return redirect(target)


def _after_two_factor(request: HttpRequest) -> HttpResponse:
    return redirect(_safe_next(request) or "web:home")


@login_required
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Pair an authenticator app: scan the QR code, type the code it shows.

    A user who already has an authenticator must verify this session with it
    first, so a stolen password cannot replace the device.
    """
    user = request.user
    if not user.is_verified() and two_factor_step(user=user) == "verify":
        return _two_factor_redirect("verify", _safe_next(request))
    device = totp_enrol_start(user=user)
    form = TwoFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device, codes = totp_enrol_confirm(user=user, token=form.cleaned_data["code"])
            except PanierError as exc:
                form.add_error("code", exc.message)
            else:
                otp_login(request, device)
                return render(
                    request,
                    "accounts/recovery_codes.html",
                    {"codes": codes, "next": _safe_next(request) or reverse("web:home")},
                )
        status = 400
    context = {
        "form": form,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, border=2),
        "secret": _base32(device.bin_key),
        "required": two_factor_required(user=user),
        "next": _safe_next(request),
    }
    return render(request, "accounts/two_factor_enrol.html", context, status=status)


def _base32(key: bytes) -> str:
    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the authenticator's code (or a recovery code) after the password."""
    if request.user.is_verified():
        return _after_two_factor(request)
    form = TwoFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device = totp_verify(user=request.user, token=form.cleaned_data["code"])
            except PanierError as exc:
                form.add_error("code", exc.message)
            else:
                otp_login(request, device)
                return _after_two_factor(request)
        status = 400
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request)}, status=status
    )


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """Two-factor status of the account, with the actions it allows."""
    user = request.user
    enabled = two_factor_step(user=user) == "verify"
    context = {
        "enabled": enabled,
        "required": two_factor_required(user=user),
        "codes_left": recovery_codes_left(user=user) if enabled else 0,
    }
    return render(request, "accounts/security.html", context)


@require_POST
@login_required
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes (the old ones stop working)."""
    if not request.user.is_verified():
        return redirect("accounts:security")
    codes = recovery_codes_generate(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")})


@require_POST
@login_required
def two_factor_off(request: HttpRequest) -> HttpResponse:
    """Turn two-factor authentication off (customers only)."""
    if request.user.is_verified():
        try:
            two_factor_disable(user=request.user)
        except PanierError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:security")
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:security")
