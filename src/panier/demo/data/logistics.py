"""Demo logistics: where customers live, the vans, a drawn zone, a closure
and a special day, so that the rounds page works with no address service."""

# Coordinates of the demo customers' addresses (WGS 84), by e-mail.
CUSTOMER_COORDINATES = {
    "client@panier.test": ("43.698200", "7.265600"),  # rue Rossini
    "marc.lambert@panier.test": ("43.711300", "7.264900"),  # avenue Borriglione
    "nadia.haddad@panier.test": ("43.699400", "7.254700"),  # boulevard Gambetta
    "paul.ricci@panier.test": ("43.700900", "7.283900"),  # rue Bonaparte, by the port
    "sophie.blanc@panier.test": ("43.581900", "7.128100"),  # boulevard Albert Ier
    "karim.mansouri@panier.test": ("43.568400", "7.113900"),  # avenue de l'Estérel
    "anne.guerin@panier.test": ("43.621500", "7.097000"),  # chemin des Combes
}

# (hub slug, name, priority, fee in cents, free from in cents, polygon as
# (latitude, longitude) points). Its priority beats the postal-code zones.
POLYGON_ZONES = [
    (
        "nice",
        "Vieux-Nice et port (vélo-cargo)",
        10,
        390,
        4500,
        [(43.6945, 7.2700), (43.6945, 7.2900), (43.7065, 7.2900), (43.7065, 7.2700)],
    ),
]

# (hub slug, name, capacity kg, capacity crates or bags, shift start, shift end)
VEHICLES = [
    ("nice", "Kangoo électrique", 450, 50, (8, 0), (21, 0)),
    ("nice", "Vélo-cargo", 90, 10, (8, 30), (20, 30)),
    ("antibes", "Fourgon frigorifique", 700, 70, (7, 30), (21, 0)),
]

# Regular windows: home deliveries on the days and at the hours of
# DELIVERY_DAYS / DELIVERY_WINDOWS, pickups at each point's windows; orders
# close at 18:00 the day before.
SLOT_CAPACITY = 20

# (hub slug, first day, last day as days from today, reason): shown to customers.
CLOSURES = [
    ("antibes", 9, 10, "Inventaire annuel : pas de livraison ni de retrait"),
]

# (hub slug, days from today, start hour, end hour, capacity, replaces, note)
SPECIAL_DAYS = [
    ("nice", 6, 14, 17, 12, False, "Livraison exceptionnelle l'après-midi"),
]
