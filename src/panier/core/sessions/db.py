"""Sessions in the database (see the package for what differs from Django's store)."""

from panier.core.sessions import DatabaseStore, NewKeyWithoutLookup


class SessionStore(NewKeyWithoutLookup, DatabaseStore):
    pass
