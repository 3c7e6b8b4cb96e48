"""Account forms: log in with an e-mail address, sign up."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from panier.accounts.errors import LoginThrottled
from panier.accounts.models import User
from panier.accounts.services import (
    login_failure_record,
    login_success_record,
    login_throttle_check,
)


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, with the e-mail address as the login.

    Addresses are stored in lower case, so the typed address is lowered
    before the password is checked.
    """

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "email_not_verified": _(
            "Confirm your e-mail address before logging in: we have just sent you a new link."
        ),
    }

    def __init__(self, request=None, *args, client_ip: str = "", **kwargs):
        super().__init__(request, *args, **kwargs)
        self.client_ip = client_ip or (request.META.get("REMOTE_ADDR", "") if request else "")
        self.unverified_user: User | None = None

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        """Refuse locked-out accounts and addresses, then check the password.

        A wrong password counts against the account and the client address;
        a right one clears the account's count.
        """
        email = self.cleaned_data.get("username") or ""
        try:
            login_throttle_check(email=email, ip=self.client_ip)
        except LoginThrottled as exc:
            minutes = exc.params["minutes"]
            raise forms.ValidationError(
                ngettext(
                    "Too many failed attempts. Try again in %(minutes)d minute.",
                    "Too many failed attempts. Try again in %(minutes)d minutes.",
                    minutes,
                ),
                code=LoginThrottled.code,
                params={"minutes": minutes},
            ) from exc
        try:
            cleaned = super().clean()
        except forms.ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login":
                login_failure_record(email=email, ip=self.client_ip)
            raise
        login_success_record(email=email, ip=self.client_ip)
        return cleaned

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.email_verified_at is None:
            self.unverified_user = user
            raise forms.ValidationError(
                self.error_messages["email_not_verified"], code="email_not_verified"
            )


class TwoFactorCodeForm(forms.Form):
    """The six digits of the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class SignupForm(forms.Form):
    """A new customer account: e-mail address and password, typed twice."""

    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this e-mail address already exists."), code="email_taken"
            )
        return email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first and "email" in cleaned:
            try:
                password_validation.validate_password(first, User(email=cleaned["email"]))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned

    def save(self) -> User:
        """Create the account; the form must be valid."""
        return User.objects.create_user(
            email=self.cleaned_data["email"], password=self.cleaned_data["password1"]
        )
