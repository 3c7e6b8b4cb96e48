"""Demo content: two hubs on the Côte d'Azur, their producers and goods.

Everything here is invented (names, numbers, people); SIRET and VAT
numbers are made up but pass their checksums, so the legal pages look
real without pointing at a real company.
"""

from panier.demo.data.hubs import CATEGORIES, HUBS, PICKUP_POINTS, ZONES
from panier.demo.data.people import CUSTOMERS, DEMO_PASSWORD, DEMO_TOTP_KEY_HEX, LOGINS
from panier.demo.data.producers import PRODUCERS
from panier.demo.data.products import PRODUCTS, VariantSpec, parse_variants

__all__ = [
    "CATEGORIES",
    "CUSTOMERS",
    "DEMO_PASSWORD",
    "DEMO_TOTP_KEY_HEX",
    "HUBS",
    "LOGINS",
    "PICKUP_POINTS",
    "PRODUCERS",
    "PRODUCTS",
    "ZONES",
    "VariantSpec",
    "parse_variants",
]
