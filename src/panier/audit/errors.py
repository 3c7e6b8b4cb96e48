"""Errors of the audit log and of customer data exports."""

from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, Forbidden


class AuditImmutable(Conflict):
    code = "audit_immutable"
    default_message = _("The audit log can only be appended to.")


class ExportForbidden(Forbidden):
    code = "export_forbidden"
    default_message = _("You may not export this hub's customer data.")


class ExportCapReached(Conflict):
    code = "export_cap_reached"
    status = 429
    default_message = _("The daily export limit is reached; try again tomorrow.")
