"""Building blocks shared by the JSON API of every app.

The API of an app lives in ``<app>/api.py`` (a ninja ``Router``) and
``<app>/schemas.py``; ``panier.api`` mounts the routers under ``/api/v1``.
Everything the routers share sits here, in the lowest layer, so that any
app may use it: the error body, the input types that refuse what the
database cannot store, pagination and the ``Idempotency-Key`` header.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Schema
from pydantic import AfterValidator, BeforeValidator, StringConstraints

from panier.core.errors import InvalidInput, NotFound
from panier.core.idempotency import idempotency_abandon, idempotency_begin, idempotency_finish

MAX_ID = 2**63 - 1
MAX_PAGE = 10_000
MAX_PAGE_SIZE = 100

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,120}")
_KEY = re.compile(r"[\x21-\x7e]{1,200}")


class ErrorOut(Schema):
    """Every error answer: a stable code, a human message, field errors."""

    code: str = Field(..., examples=["invalid_input"])
    message: str
    fields: dict[str, list[str]] | None = None
    shortages: list[dict[str, int]] | None = None


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Return the ``response`` entries documenting error answers.

    Any API request may also be refused with 429 ``rate_limited`` by the
    traffic middleware, in the same error shape.
    """
    return dict.fromkeys((*statuses, 429), ErrorOut)


def _storable(value: str) -> str:
    # PostgreSQL refuses NUL characters and any database refuses lone
    # surrogates (which JSON escapes can produce): refuse them as input.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


# Documents in the schema that NUL characters are refused.
_NO_NUL = r"^[^\x00]*$"


def text(max_length: int) -> Any:
    """Return a string type of at most ``max_length`` storable characters."""
    return Annotated[
        str, StringConstraints(max_length=max_length, pattern=_NO_NUL), AfterValidator(_storable)
    ]


def required_text(max_length: int) -> Any:
    """Return a non-empty string type of at most ``max_length`` storable characters."""
    return Annotated[
        str,
        StringConstraints(min_length=1, max_length=max_length, pattern=_NO_NUL),
        AfterValidator(_storable),
    ]


SlugFilter = Annotated[str, StringConstraints(max_length=120, pattern=r"^[-a-zA-Z0-9_]*$")]


def _without_nul(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


# Search words are letters and digits only, so control characters in a
# query are dropped rather than refused.
SearchQuery = Annotated[str, BeforeValidator(_without_nul), StringConstraints(max_length=100)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _json_number(value: Any) -> Any:
    # JSON Schema counts 12.0 as an integer, but neither true nor "12".
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON number")
    return value


# For JSON bodies: an integer must have a JSON number type.
JsonInt = Annotated[int, BeforeValidator(_json_number)]
StrictId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_json_number)]
WebUrl = Annotated[
    str, StringConstraints(max_length=500, pattern=r"^https?://[^\s]+$"), AfterValidator(_storable)
]


def slug_or_404(value: str) -> str:
    """Return a slug taken from a URL, or raise NotFound if it cannot be one."""
    if not _SLUG.fullmatch(value):
        raise NotFound()
    return value


class PageIn(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 100).")


class PageOut(Schema):
    count: int = Field(..., description="Number of items on all pages.")
    page: int
    page_size: int


def paginate(items: QuerySet | list, page: PageIn) -> dict[str, Any]:
    """Return one page of ``items`` with the total count (two queries at most)."""
    count = items.count() if isinstance(items, QuerySet) else len(items)
    start = (page.page - 1) * page.page_size
    return {
        "count": count,
        "page": page.page,
        "page_size": page.page_size,
        "items": list(items[start : start + page.page_size]) if start < count else [],
    }


def idempotency_key_header() -> Any:
    return Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Retry-safe key: the same key with the same request replays the first answer.",
    )


def request_hash(request: HttpRequest) -> str:
    """Return a digest of what a request asks for: method, path and JSON body."""
    try:
        body: Any = json.loads(request.body or b"null")
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = request.body.decode("latin-1")
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(canonical.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def idempotent(
    request: HttpRequest,
    *,
    scope: str,
    key: str | None,
    run: Callable[[], tuple[int, Schema]],
) -> tuple[int, Schema] | JsonResponse:
    """Run ``run`` once per ``Idempotency-Key``; replay its answer on a retry.

    Without a key, ``run`` simply runs. With a key used before for the
    same request, the stored answer is returned; for another request,
    IdempotencyKeyReused (409). Errors are not stored: the operation did
    not happen, so a retry runs it again.
    """
    if key is None:
        return run()
    if not _KEY.fullmatch(key):
        raise InvalidInput(
            _("The Idempotency-Key header must be 1 to 200 visible ASCII characters."),
            field="Idempotency-Key",
        )
    record = idempotency_begin(scope=scope, key=key, request_hash=request_hash(request))
    if record.response_status is not None:
        return JsonResponse(record.response_body, status=record.response_status, safe=False)
    try:
        status, body = run()
    except Exception:
        idempotency_abandon(record_id=record.pk)
        raise
    payload = body.model_dump(mode="json")
    idempotency_finish(record_id=record.pk, status=status, body=payload)
    return JsonResponse(payload, status=status, safe=False)
