"""Errors of sign-up, log-in and two-factor authentication."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from panier.core.errors import PanierError


class LoginThrottled(PanierError):
    code = "login_throttled"
    status = 429
    default_message = _("Too many failed attempts. Try again in a few minutes.")


class EmailNotVerified(PanierError):
    code = "email_not_verified"
    status = 403
    default_message = _("Confirm your e-mail address first: a new link is on its way.")


class VerificationLinkInvalid(PanierError):
    code = "verification_link_invalid"
    status = 400
    default_message = _("This confirmation link is invalid or has expired.")


class TwoFactorCodeInvalid(PanierError):
    code = "two_factor_code_invalid"
    status = 400
    default_message = _("This code is not valid. Check your device's clock and try again.")


class TwoFactorRequired(PanierError):
    code = "two_factor_required"
    status = 403
    default_message = _("Two-factor authentication is required for this account.")
