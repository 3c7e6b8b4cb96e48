from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, InvalidInput


class TermsNotAccepted(InvalidInput):
    code = "terms_not_accepted"
    default_message = _("Please accept the terms of sale to place your order.")


class BelowMinimumOrder(Conflict):
    code = "below_minimum_order"
    default_message = _("Your basket is below this shop's minimum order amount.")


class BasketChanged(Conflict):
    code = "basket_changed"
    default_message = _("Some products in your basket are no longer available. Please review your basket.")


class InvalidFulfilment(InvalidInput):
    code = "invalid_fulfilment"
    default_message = _("Please choose home delivery or pickup.")


class InvalidContact(InvalidInput):
    code = "invalid_contact"
    default_message = _("Please check your contact details.")


class InvalidCompany(InvalidInput):
    code = "invalid_company"
    default_message = _("Please check the company's details.")
