"""Errors of the reviews domain; the codes are API contract."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, Forbidden, InvalidInput, NotFound


class ErrorCode(StrEnum):
    REVIEW_NOT_ALLOWED = "review_not_allowed"
    REVIEW_EXISTS = "review_exists"
    REVIEW_INVALID = "review_invalid"
    REVIEW_NOT_FOUND = "review_not_found"
    REVIEW_ALREADY_MODERATED = "review_already_moderated"
    REFUSAL_REASON_REQUIRED = "refusal_reason_required"
    REPLY_EXISTS = "reply_exists"
    INVALID_SORT = "invalid_sort"


class ReviewNotAllowed(Forbidden):
    code = ErrorCode.REVIEW_NOT_ALLOWED
    default_message = _("Only the customer who received this product can review it.")


class ReviewExists(Conflict):
    code = ErrorCode.REVIEW_EXISTS
    default_message = _("This purchase already has a review.")


class ReviewInvalid(InvalidInput):
    code = ErrorCode.REVIEW_INVALID
    default_message = _("The review is not valid.")


class ReviewNotFound(NotFound):
    code = ErrorCode.REVIEW_NOT_FOUND
    default_message = _("Unknown review.")


class ReviewAlreadyModerated(Conflict):
    code = ErrorCode.REVIEW_ALREADY_MODERATED
    default_message = _("This review has already been moderated.")


class RefusalReasonRequired(InvalidInput):
    code = ErrorCode.REFUSAL_REASON_REQUIRED
    default_message = _("Choose the reason for the refusal.")


class ReplyExists(Conflict):
    code = ErrorCode.REPLY_EXISTS
    default_message = _("This review already has a reply.")


class InvalidSort(InvalidInput):
    code = ErrorCode.INVALID_SORT
    default_message = _("Unknown sort order.")
