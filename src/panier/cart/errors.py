from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, InvalidInput, NotFound


class InvalidQuantity(InvalidInput):
    code = "invalid_quantity"
    default_message = _("Please enter a whole number of items between 1 and 99.")


class ProductUnavailable(NotFound):
    code = "product_unavailable"
    default_message = _("This product is not available.")


class NotEnoughStock(Conflict):
    code = "stock_insufficient"

    def __init__(self, available: int):
        self.available = available
        if available <= 0:
            message = _("This product is sold out.")
        else:
            message = _("Only %(count)s left in stock.") % {"count": available}
        super().__init__(message, field="quantity", available=available)


class CartEmpty(Conflict):
    code = "cart_empty"
    default_message = _("Your basket is empty.")
