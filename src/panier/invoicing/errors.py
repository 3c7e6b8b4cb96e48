from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, InvalidInput, NotFound


class InvoiceImmutable(Conflict):
    code = "invoice_immutable"
    default_message = _("An issued invoice or credit note cannot be changed or deleted.")


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"
    default_message = _("This invoice does not exist.")


class OrderNotInvoiceable(Conflict):
    code = "order_not_invoiceable"
    default_message = _("Only a paid order can be invoiced.")


class CreditExceedsInvoice(Conflict):
    code = "credit_exceeds_invoice"
    default_message = _("A credit note cannot credit more than what is left on the invoice.")


class ReportPeriodInvalid(InvalidInput):
    code = "report_period_invalid"
    status = 400
    default_message = _("This period is not valid.")
