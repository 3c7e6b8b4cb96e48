"""Visitors' sessions in a signed cookie; signed-in sessions on the server.

A visitor who is not signed in keeps little in the session: the token of
the basket at each hub, the checkout form being filled, and the keys of
the orders placed from this browser. That data now travels in the session
cookie itself, signed with ``SECRET_KEY`` (Django's signing, compressed
JSON). Reading or changing it costs no database statement and no Redis
round trip, and a flood of new visitors adding to their baskets writes no
session rows at all.

A session that holds a signed-in user is kept by the server-side store
(``PANIER_SESSION_SERVER_ENGINE``: the database, read through Redis when
it is configured), so that signing out, or an operator ending a session,
revokes it for good: a cookie cannot be taken back. A cookie that claims a
user is never believed; only the server can hold one. A session too large
for a cookie is kept on the server as well.

The cookie is signed, not encrypted: the visitor can read what it holds
(their own basket token, checkout details and order keys), as they can
read the pages it leads to. It is sent with the session cookie's flags
(HttpOnly, Secure and SameSite as configured).

Server-side keys are 32 letters and digits; a signed value always holds
``:``, so the two never mix up.
"""

from __future__ import annotations

import zlib
from functools import cache
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY as USER_KEY
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, SessionBase
from django.core import signing
from django.utils.crypto import get_random_string

SALT = "panier.core.sessions.guest_cookie"
#: Longest cookie value kept in the browser. Browsers keep at least 4,096
#: bytes per cookie, name and attributes included; what is longer goes to
#: the server-side store.
MAX_COOKIE_VALUE = 3_600


@cache
def _server_store_class() -> type[SessionBase]:
    return import_module(settings.PANIER_SESSION_SERVER_ENGINE).SessionStore


def is_cookie_value(key: str | None) -> bool:
    """Whether a session cookie holds the data itself (not a server-side key)."""
    return bool(key) and ":" in key


class SessionStore(SessionBase):
    # Loading ------------------------------------------------------------

    def load(self) -> dict:
        key = self.session_key
        if not is_cookie_value(key):
            server = _server_store_class()(key)
            data = server.load()
            if server.session_key is None:
                # Expired or unknown on the server: the visitor starts afresh.
                self._session_key = None
            return data
        try:
            data = signing.loads(
                key, salt=SALT, serializer=self.serializer, max_age=self.get_session_cookie_age()
            )
        except (signing.BadSignature, ValueError, zlib.error):
            # Tampered with, expired or unreadable: no session, and the
            # middleware removes the cookie.
            self._session_key = None
            return {}
        if not isinstance(data, dict) or USER_KEY in data:
            # Only the server-side store may hold a signed-in user.
            self._session_key = None
            return {}
        return data

    # Saving -------------------------------------------------------------

    def save(self, must_create: bool = False) -> None:
        data = self._get_session(no_load=must_create)
        previous = self.session_key
        value = None
        if USER_KEY not in data:
            value = signing.dumps(data, compress=True, salt=SALT, serializer=self.serializer)
            if len(value) > MAX_COOKIE_VALUE:
                value = None
        if value is not None:
            if previous and not is_cookie_value(previous):
                # Back in the cookie (the data shrank): the server copy goes.
                _server_store_class()(previous).delete(previous)
            self._session_key = value
        else:
            server = _server_store_class()(None if is_cookie_value(previous) else previous)
            server._session_cache = data
            if server.session_key is None:
                server.create()
            else:
                server.save(must_create=must_create)
            self._session_key = server.session_key
        self.modified = True

    def create(self) -> None:
        # The key is drawn when the session is saved: a signed value for a
        # visitor, a new server-side key for a signed-in user.
        self._session_key = None
        self.modified = True

    def delete(self, session_key: str | None = None) -> None:
        key = self.session_key if session_key is None else session_key
        if key and not is_cookie_value(key):
            _server_store_class()(key).delete(key)
        # A cookie holds nothing to delete on the server; the middleware
        # removes an emptied session's cookie.

    def exists(self, session_key: str | None) -> bool:
        if not session_key or is_cookie_value(session_key):
            return False
        return _server_store_class()().exists(session_key)

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    @classmethod
    def clear_expired(cls) -> None:
        _server_store_class().clear_expired()
