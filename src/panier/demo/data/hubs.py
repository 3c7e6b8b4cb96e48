"""The two demo hubs, their categories, delivery zones and pickup points."""

_HOST = "OVHcloud SAS, 2 rue Kellermann, 59100 Roubaix, France. Tél. : +33 9 72 10 10 07"
_MEDIATOR = (
    "CM2C – Centre de la médiation de la consommation de conciliateurs de justice, "
    "49 rue de Ponthieu, 75008 Paris. https://www.cm2c.net"
)

HUBS = [
    {
        "slug": "nice",
        "name": "Panier de Nice",
        "tagline": "Les producteurs du pays niçois, livrés chez vous",
        "legal_name": "Panier de Nice SAS",
        "legal_form": "SAS",
        "share_capital": "10 000 €",
        "siret": "87400297500017",
        "rcs": "RCS Nice 874 002 975",
        "vat_number": "FR94874002975",
        "vat_regime": "normal",
        "selling_mode": "reseller",
        "address": "12 rue Pairolière",
        "postal_code": "06300",
        "city": "Nice",
        "email": "bonjour@nice.panier.test",
        "phone": "+33493621840",
        "publication_director": "Camille Roux",
        "host_details": _HOST,
        "mediator_details": _MEDIATOR,
        "timezone": "Europe/Paris",
        "min_order_cents": 1500,
        "latitude": "43.699000",
        "longitude": "7.278000",
    },
    {
        "slug": "antibes",
        "name": "Panier d'Antibes",
        "tagline": "La place de marché des artisans et producteurs d'Antibes",
        "legal_name": "Panier d'Antibes SCIC SAS",
        "legal_form": "SCIC SAS à capital variable",
        "share_capital": "5 000 € (capital variable)",
        "siret": "95047368600018",
        "rcs": "RCS Antibes 950 473 686",
        "vat_number": "FR49950473686",
        "vat_regime": "normal",
        "selling_mode": "marketplace",
        "address": "4 cours Masséna",
        "postal_code": "06600",
        "city": "Antibes",
        "email": "bonjour@antibes.panier.test",
        "phone": "+33493345512",
        "publication_director": "Julien Ferrero",
        "host_details": _HOST,
        "mediator_details": _MEDIATOR,
        "timezone": "Europe/Paris",
        "min_order_cents": 1500,
        "latitude": "43.580000",
        "longitude": "7.125000",
    },
]

# (hub slug, key, French name, English name, colour of the generated images,
# shape drawn on them)
CATEGORIES = [
    ("nice", "fromages", "Fromages et crèmerie", "Cheese and dairy", "#d9a520", "circle"),
    ("nice", "pains", "Pains et viennoiseries", "Bread and pastries", "#b5651d", "ellipse"),
    ("nice", "miels", "Miels et ruche", "Honey and hive", "#e0a526", "hexagon"),
    ("nice", "huiles", "Huiles et olives", "Olive oil and olives", "#6b7d2a", "drop"),
    ("nice", "legumes", "Fruits et légumes", "Fruit and vegetables", "#3f8f3a", "leaf"),
    ("nice", "vins", "Vins de Bellet", "Bellet wines", "#7b1e3a", "bottle"),
    ("antibes", "poissons", "Poissons et fruits de mer", "Fish and seafood", "#1f6f99", "fish"),
    ("antibes", "savons", "Savons et soins", "Soap and body care", "#9a7cc2", "rounded"),
    ("antibes", "poteries", "Poteries de Vallauris", "Vallauris pottery", "#b5532f", "bowl"),
    ("antibes", "douceurs", "Confitures et douceurs", "Jams and sweets", "#c0392b", "jar"),
    ("antibes", "agrumes", "Agrumes du Cap", "Citrus from the Cape", "#e67e22", "circle"),
    ("antibes", "herbes", "Herbes et tisanes", "Herbs and teas", "#4c7a4c", "leaf"),
]

# (hub slug, name, postal codes, fee in cents, free from, in cents)
ZONES = [
    ("nice", "Nice", "06000 06100 06200 06300", 590, 6000),
    ("antibes", "Antibes et Juan-les-Pins", "06600 06160", 590, 6000),
    ("antibes", "Biot et Vallauris", "06410 06220", 790, 8000),
]

# (hub slug, name, address, postal code, city, opening hours, pickup windows)
# A pickup window is (weekday 0=Monday, start hour, end hour), hub-local.
PICKUP_POINTS = [
    (
        "nice",
        "Épicerie Lou Cabas",
        "7 rue de la Préfecture",
        "06300",
        "Nice",
        "Mercredi et vendredi 16 h – 19 h 30, samedi 9 h – 12 h 30",
        [(2, 16, 19), (4, 16, 19), (5, 9, 12)],
    ),
    (
        "nice",
        "Halle de la Libération",
        "3 avenue Malausséna",
        "06000",
        "Nice",
        "Mardi au samedi 8 h – 13 h",
        [(1, 9, 12), (3, 9, 12), (5, 9, 12)],
    ),
    (
        "antibes",
        "Marché provençal – stand Panier",
        "Cours Masséna",
        "06600",
        "Antibes",
        "Mardi au dimanche 7 h 30 – 13 h",
        [(1, 9, 12), (3, 9, 12), (5, 9, 12), (6, 9, 12)],
    ),
    (
        "antibes",
        "Atelier de la Brague",
        "210 chemin de la Brague",
        "06410",
        "Biot",
        "Mercredi et vendredi 15 h – 19 h",
        [(2, 15, 19), (4, 15, 19)],
    ),
]

# Home delivery windows, hub-local: Tuesday, Thursday and Saturday,
# morning and evening.
DELIVERY_DAYS = (1, 3, 5)
DELIVERY_WINDOWS = ((9, 12), (17, 20))
