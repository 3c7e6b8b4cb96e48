from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, NotFound


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"
    default_message = _("This order cannot move to that state from its current state.")


class OrderNotFound(NotFound):
    code = "order_not_found"
    default_message = _("This order does not exist.")


class WithdrawalNotAvailable(Conflict):
    code = "withdrawal_not_available"
    default_message = _("This order can no longer be withdrawn from online.")
