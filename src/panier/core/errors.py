"""The application error hierarchy.

Every error a user can cause is a :class:`PanierError` with a stable
``code``. Interfaces turn it into a form error or a 4xx JSON answer; the
``status`` attribute is the HTTP status the API uses.
"""

from __future__ import annotations

from typing import Any


class PanierError(Exception):
    """An error with a stable code, a human message and an HTTP status."""

    code: str = "error"
    status: int = 400
    default_message: str = "The request could not be completed."

    def __init__(self, message: str | None = None, *, field: str | None = None, **params: Any):
        self.message = str(message) if message is not None else str(self.default_message)
        self.field = field
        self.params = params
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["fields"] = {self.field: [self.message]}
        return body


class InvalidInput(PanierError):
    code = "invalid_input"
    status = 422
    default_message = "The data sent is not valid."


class NotFound(PanierError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class Forbidden(PanierError):
    code = "forbidden"
    status = 403
    default_message = "You may not do this."


class Conflict(PanierError):
    code = "conflict"
    status = 409
    default_message = "The request conflicts with the current state."


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = "This idempotency key was already used with another request."
