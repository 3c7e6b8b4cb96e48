"""Errors of the GDPR tools."""

from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, InvalidInput, NotFound


class ErasureBlocked(Conflict):
    code = "erasure_blocked"
    default_message = _(
        "Your account cannot be deleted while an order is still in progress. "
        "Try again once it has been delivered or cancelled."
    )


class PasswordIncorrect(InvalidInput):
    code = "password_incorrect"
    default_message = _("The password is not correct.")


class ConsentNotFound(NotFound):
    code = "consent_not_found"
    default_message = _("This link is not valid or has expired.")


class BreachInvalid(InvalidInput):
    code = "breach_invalid"
    default_message = _("The breach record is not valid.")
