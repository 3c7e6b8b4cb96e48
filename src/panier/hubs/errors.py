"""Errors of hub staff management."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, NotFound


class StaffNotFound(NotFound):
    code = "staff_not_found"
    default_message = _("This person is not on the hub's staff.")


class LastOwner(Conflict):
    code = "last_owner"
    default_message = _("A hub keeps at least one owner.")
