"""Demo accounts and the customers who placed past orders."""

DEMO_PASSWORD = "panier-demo"  # noqa: S105 - published demo password
# The demo's back-office users (the operator, the producer) must use a
# second factor like real staff: the loader gives them an authenticator with
# this fixed key, printed at the end so it can be added to any TOTP app
# (or read with `oathtool --totp -b KEY`). Never reuse it outside the demo.
DEMO_TOTP_KEY_HEX = "50616e6965722064656d6f20544f5450206b6579"

# (role shown in the summary, e-mail, first name, last name)
LOGINS = [
    ("Operator (both hubs, admin)", "operateur@panier.test", "Camille", "Roux"),
    ("Producer (Fromagerie du Mercantour)", "producteur@panier.test", "Élise", "Giordan"),
    ("Customer", "client@panier.test", "Léa", "Martin"),
]

# Customers with past orders: (e-mail, first name, last name, phone,
# address, postal code, city, hub slug).
CUSTOMERS = [
    ("client@panier.test", "Léa", "Martin", "06 12 34 56 78", "14 rue Rossini", "06000", "Nice", "nice"),
    ("marc.lambert@panier.test", "Marc", "Lambert", "06 23 45 67 89", "3 avenue Borriglione", "06100", "Nice", "nice"),
    ("nadia.haddad@panier.test", "Nadia", "Haddad", "07 61 22 33 44", "27 boulevard Gambetta", "06000", "Nice", "nice"),
    ("paul.ricci@panier.test", "Paul", "Ricci", "06 45 98 12 30", "8 rue Bonaparte", "06300", "Nice", "nice"),
    ("sophie.blanc@panier.test", "Sophie", "Blanc", "06 70 11 82 93", "5 boulevard Albert Ier", "06600", "Antibes", "antibes"),
    ("karim.mansouri@panier.test", "Karim", "Mansouri", "07 83 45 61 20", "12 avenue de l'Estérel", "06160", "Juan-les-Pins", "antibes"),
    ("anne.guerin@panier.test", "Anne", "Guérin", "06 52 74 18 36", "41 chemin des Combes", "06410", "Biot", "antibes"),
]
