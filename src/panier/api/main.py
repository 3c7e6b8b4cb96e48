"""The JSON API, version 1: one NinjaAPI mounting the routers of the apps.

Every error answers ``{"code", "message", "fields"?}`` with a 4xx status:
the handlers below turn application errors, invalid input, unknown
objects and unreadable bodies into that shape.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from panier.cart.api import router as cart_router
from panier.catalog.api import router as catalog_router
from panier.checkout.api import router as checkout_router
from panier.core.errors import PanierError
from panier.orders.api import router as orders_router
from panier.reviews.api import router as reviews_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Panier API",
    version="1",
    description=(
        "Shop API of Panier: catalog, basket, checkout and orders of each hub. "
        "Amounts are integer cents, VAT included; rates are basis points. "
        'Errors answer `{"code", "message", "fields"}` with a stable `code`.'
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

api.add_router("", catalog_router)
api.add_router("", cart_router)
api.add_router("", checkout_router)
api.add_router("", orders_router)
api.add_router("", reviews_router)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many_requests",
}


def error_body(code: str, message: Any, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return body


@api.exception_handler(PanierError)
def _panier_error(request: HttpRequest, exc: PanierError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


# Schema parameter names and the tags of discriminated unions appear in
# error locations but say nothing to the client.
_PARAMETERS = {"payload", "filters", "page", "query"}
_UNION_TAGS = {"delivery", "pickup"}


def _field_name(error: dict[str, Any]) -> str:
    # A location is (source, [parameter,] [union tag,] field, ...).
    loc = [str(part) for part in error.get("loc", ("body",))]
    parts = loc[1:]
    if len(parts) > 1 and parts[0] in _PARAMETERS:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in _UNION_TAGS:
        parts = parts[1:]
    if error.get("type") in {"union_tag_invalid", "union_tag_not_found"}:
        discriminator = str(error.get("ctx", {}).get("discriminator", "")).strip("'\"")
        parts = [*(p for p in parts if p not in _PARAMETERS), discriminator]
    return ".".join(p for p in parts if p) or loc[0]


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error), []).append(str(error.get("msg", "")))
    body = error_body("invalid_input", _("The data sent is not valid."), fields)
    return api.create_response(request, body, status=422)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _not_found(request, exc)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        body = error_body("malformed_json", _("The request body is not valid JSON."))
    else:
        body = error_body(_STATUS_CODES.get(exc.status_code, "error"), exc.message)
    return api.create_response(request, body, status=exc.status_code)
