"""Templated e-mails. Sent after the transaction that caused them commits."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def email_send(
    *, to: list[str], template: str, context: dict[str, Any], language: str = "fr",
    reply_to: list[str] | None = None,
) -> None:
    """Render ``<template>_subject.txt``, ``_body.txt`` (and ``_body.html``) and send.

    Templates live in ``templates/<app>/email/``; ``template`` names them
    without the suffix, e.g. ``"orders/email/confirmation"``.
    """
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)
        try:
            html = render_to_string(f"{template}_body.html", context)
        except TemplateDoesNotExist:
            html = None
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to, reply_to=reply_to
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    logger.info("email.sent", extra={"template": template})


def email_send_on_commit(**kwargs: Any) -> None:
    """Send the e-mail once the current transaction has committed."""
    transaction.on_commit(partial(email_send, **kwargs))
