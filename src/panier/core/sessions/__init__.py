"""Django's session stores, with fewer round trips to the database.

Two steps of Django's stores are dropped, and nothing they guard is lost:

- Before creating a session Django draws a key and asks the store whether
  it is taken (a database query, plus a cache read for the cached store).
  The creation refuses a taken key anyway: the database insert fails on the
  primary key, the cache store only adds absent keys, and Django then draws
  another key. So the question is not asked.
- Outside a transaction Django wraps the one INSERT or UPDATE of a session
  in BEGIN … COMMIT; a single statement is atomic by itself, so it is sent
  alone. Inside a transaction (a view's own atomic block) Django's savepoint
  is kept, so a failed insert cannot break the enclosing transaction.

On a visitor's first basket add that is 4 statements less, and 2 on every
later session write.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DjangoDatabaseStore
from django.db import DatabaseError, IntegrityError, router
from django.utils.crypto import get_random_string

from panier.core.transactions import savepoint_if_nested


class NewKeyWithoutLookup:
    """Mixin for a SessionStore whose ``create`` already retries on a taken key."""

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    async def _aget_new_session_key(self) -> str:
        return self._get_new_session_key()


class DatabaseStore(DjangoDatabaseStore):
    """The database store, sending a session write as one statement outside a transaction."""

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        using = router.db_for_write(self.model)
        obj = self.create_model_instance(self._get_session(no_load=must_create))
        try:
            # Django's savepoint inside a transaction, a lone statement outside.
            with savepoint_if_nested(using):
                obj.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError:
            if must_create:
                raise CreateError from None
            raise
        except DatabaseError:
            if not must_create:
                raise UpdateError from None
            raise
        return None
