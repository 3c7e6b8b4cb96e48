from django.db import models
from django.utils.translation import gettext_lazy as _


class TaxCategory(models.TextChoices):
    """What kind of goods a product is, for VAT.

    The rate comes from :func:`panier.tax.rules.rate_bp`, per category and
    country. A human sets the category of each product (compliance facts
    §2.1: edge cases are settled by rulings, never by code).
    """

    FOOD = "food", _("Food (reduced rate)")
    PREPARED_FOOD = "prepared_food", _("Prepared food for immediate consumption")
    ALCOHOL = "alcohol", _("Alcoholic drinks")
    CONFECTIONERY = "confectionery", _("Confectionery")
    STANDARD = "standard", _("Other goods (standard rate)")
