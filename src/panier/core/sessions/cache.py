"""Sessions in the cache only (see the package: no lookup before a new key)."""

from django.contrib.sessions.backends import cache

from panier.core.sessions import NewKeyWithoutLookup


class SessionStore(NewKeyWithoutLookup, cache.SessionStore):
    pass
