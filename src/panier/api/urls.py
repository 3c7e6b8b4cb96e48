"""URLs of the JSON API, mounted at the root by ``config.urls``.

Every answer under /api/v1/ is JSON, including a method the path does
not support (405) and a path that does not exist (404).
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from panier.api.main import api, error_body


def _api_view(view):
    """Answer in the language the client asks for, and 405 as JSON."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Unprefixed shop URLs are French, but API clients say which
        # language they want in Accept-Language.
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response = view(request, *args, **kwargs)
            if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
                allowed = response.get("Allow", "")
                body = error_body("method_not_allowed", _("This method is not allowed here."))
                response = JsonResponse(body, status=405)
                response["Allow"] = allowed
        response.setdefault("Content-Language", language)
        return response

    return wrapper


def _api_patterns(patterns: list) -> list:
    wrapped: list = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            callback = _api_view(pattern.callback)
            wrapped.append(URLPattern(pattern.pattern, callback, pattern.default_args, pattern.name))
        elif isinstance(pattern, URLResolver):
            wrapped.append(pattern)
    return wrapped


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    path("api/v1/", include((_api_patterns(_patterns), _app_name), namespace=_namespace)),
    # Any character, a newline included: "." would stop at an encoded
    # newline (%0A) and leave such a path to the HTML 404 page.
    re_path(r"^api/v1/(?P<rest>[\s\S]*)\Z", api_not_found),
]
