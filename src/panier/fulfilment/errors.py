from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, InvalidInput, NotFound


class PackingOrderNotFound(NotFound):
    code = "packing_order_not_found"
    default_message = _("This order does not exist.")


class PackingNotAllowed(Conflict):
    code = "packing_not_allowed"
    default_message = _("Only a paid order that is not yet ready can be packed.")


class PackingInvalid(InvalidInput):
    code = "packing_invalid"
    status = 400
    default_message = _("The packing form is not complete.")


class SubstitutionRefused(Conflict):
    code = "substitution_refused"
    default_message = _("The customer did not accept substitutions: mark the item missing instead.")


class PackingExceedsAuthorised(Conflict):
    code = "packing_exceeds_authorised"
    default_message = _(
        "The final amount is above what the customer authorised. Check the weights, or confirm to go on."
    )


class CollectionTooEarly(Conflict):
    code = "collection_too_early"
    default_message = _("Orders for this day are still open: send the collection lists after the cut-off.")
