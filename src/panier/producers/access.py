"""The one check of the producer back office.

A producer page carries the producer's id in its URL. A user who does not
staff that producer gets 404, so ids of other producers do not leak.
Superusers do not get in: a producer's pages are the producer's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from panier.producers.models import Producer
from panier.producers.selectors import producer_for_user

PRODUCER_MANAGE = "producer.manage"


def producer_for_user_or_404(user, producer_id: int) -> Producer:
    """Return the producer if ``user`` staffs it; raise Http404 otherwise."""
    producer = producer_for_user(user=user, producer_id=producer_id)
    if producer is None:
        raise Http404("unknown producer")
    return producer


def producer_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a producer back-office view: log in, then ``producer_for_user_or_404``.

    The view receives ``producer`` instead of ``producer_id``.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, producer_id: int, *args, **kwargs) -> HttpResponse:
        producer = producer_for_user_or_404(request.user, producer_id)
        return view(request, *args, producer=producer, **kwargs)

    wrapper.access_permission = PRODUCER_MANAGE  # type: ignore[attr-defined]
    return wrapper
