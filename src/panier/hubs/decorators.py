"""View helpers for pages that belong to one hub (URLs start with its slug)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse

from panier.hubs.selectors import hub_get_open


def hub_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve ``hub_slug`` from the URL into ``request.hub`` and a ``hub`` argument.

    An unknown or closed hub answers 404.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, hub_slug: str, *args, **kwargs) -> HttpResponse:
        hub = hub_get_open(slug=hub_slug)
        if hub is None:
            raise Http404("unknown shop")
        request.hub = hub  # type: ignore[attr-defined]
        return view(request, *args, hub=hub, **kwargs)

    return wrapper
