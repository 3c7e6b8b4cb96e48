"""Payment errors with stable codes."""

from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, InvalidInput, NotFound


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    default_message = _("This payment does not exist.")


class PaymentStateInvalid(Conflict):
    code = "payment_state_invalid"
    default_message = _("This payment cannot do that in its current state.")


class AmountInvalid(InvalidInput):
    code = "payment_amount_invalid"
    default_message = _("Enter an amount greater than zero.")


class CaptureAboveAuthorised(Conflict):
    code = "capture_above_authorised"
    default_message = _("The amount to capture is above what the customer authorised.")


class RefundAboveCaptured(Conflict):
    code = "refund_above_captured"
    default_message = _("The refund is above what is left of the captured amount.")


class PaymentMethodRevoked(Conflict):
    code = "payment_method_revoked"
    default_message = _("This payment method is no longer available.")
