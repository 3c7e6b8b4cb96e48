from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict


class StockInsufficient(Conflict):
    """Some lines ask for more than is left; ``shortages`` lists them all."""

    code = "stock_insufficient"
    default_message = _("Some products are no longer available in the quantity asked for.")

    def __init__(self, shortages: dict[int, int], message=None):
        #: variant id -> units still available
        self.shortages = shortages
        super().__init__(message, shortages=shortages)

    def as_dict(self):
        body = super().as_dict()
        body["shortages"] = [
            {"variant_id": vid, "available": left} for vid, left in sorted(self.shortages.items())
        ]
        return body
