"""Sessions read from the cache and written to the database (see the package).

Django's cached store calls the database store's ``save``; listing
``DatabaseStore`` after it puts that class between the two, so the
database write is the one-statement one.
"""

from django.contrib.sessions.backends import cached_db

from panier.core.sessions import DatabaseStore, NewKeyWithoutLookup


class SessionStore(NewKeyWithoutLookup, cached_db.SessionStore, DatabaseStore):
    pass
