"""Who may do what in a hub's back office, and the one check every page uses.

The permission matrix at the top is plain data: each hub role grants a
fixed set of permissions, and nothing else does (least privilege). A
superuser runs the platform and holds every permission in every hub.
Platform pages that belong to no hub (backups, traffic) need a platform
permission, held by superusers and by ``is_staff`` users.

``hub_for_user_or_404`` is the single access function for hub pages: a
hub the user does not staff answers 404 (its existence does not leak), a
hub they staff without the permission answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from panier.hubs.models import Hub, HubStaff

ORDERS_VIEW = "orders.view"
ORDERS_MANAGE = "orders.manage"
ORDERS_REFUND = "orders.refund"
ROUNDS_MANAGE = "rounds.manage"
ROUNDS_DRIVE = "rounds.drive"
INVOICES_VIEW = "invoices.view"
REPORTS_VIEW = "reports.view"
PAYMENTS_RECONCILE = "payments.reconcile"
CUSTOMERS_EXPORT = "customers.export"
REVIEWS_MODERATE = "reviews.moderate"
STAFF_MANAGE = "staff.manage"
BACKUPS_VIEW = "backups.view"
TRAFFIC_MANAGE = "traffic.manage"
# Reading the audit log and keeping the breach register stay with owners.
AUDIT_VIEW = "audit.view"
BREACHES_MANAGE = "breaches.manage"

HUB_PERMISSIONS: frozenset[str] = frozenset(
    {
        ORDERS_VIEW, ORDERS_MANAGE, ORDERS_REFUND, ROUNDS_MANAGE, ROUNDS_DRIVE, INVOICES_VIEW,
        REPORTS_VIEW, PAYMENTS_RECONCILE, CUSTOMERS_EXPORT, REVIEWS_MODERATE, STAFF_MANAGE,
        AUDIT_VIEW, BREACHES_MANAGE,
    }
)
PLATFORM_PERMISSIONS: frozenset[str] = frozenset({BACKUPS_VIEW, TRAFFIC_MANAGE})

# Role values are those of ``hubs.models.HubRole``.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "owner": HUB_PERMISSIONS,
    # Answers customers: reads orders, refunds them, moderates reviews.
    "support": frozenset({ORDERS_VIEW, ORDERS_REFUND, REVIEWS_MODERATE}),
    # Packs, moves orders along, plans and drives the rounds.
    "logistics": frozenset({ORDERS_VIEW, ORDERS_MANAGE, ROUNDS_MANAGE, ROUNDS_DRIVE}),
    # Reads the books; never changes an order.
    "accounting": frozenset(
        {ORDERS_VIEW, INVOICES_VIEW, REPORTS_VIEW, PAYMENTS_RECONCILE, CUSTOMERS_EXPORT}
    ),
}


def role_permissions(role: str) -> frozenset[str]:
    """Return the permissions a hub role grants (none for an unknown role)."""
    return ROLE_PERMISSIONS.get(role, frozenset())


def role_allows(role: str, perm: str) -> bool:
    return perm in role_permissions(role)


def roles_with(perm: str) -> list[str]:
    """Return the roles that grant ``perm``, in a stable order."""
    return sorted(role for role, perms in ROLE_PERMISSIONS.items() if perm in perms)


# Database checks ------------------------------------------------------------


def hub_for_user_or_404(user, hub_slug: str, perm: str):
    """Return the hub ``hub_slug`` if ``user`` may exercise ``perm`` in it.

    Raises Http404 when the hub is unknown or the user is not on its staff,
    and PermissionDenied (403) when the user's role lacks ``perm``.
    """
    if perm not in HUB_PERMISSIONS:
        raise ValueError(f"unknown hub permission {perm!r}")
    if user is None or not user.is_authenticated:
        raise Http404("unknown hub")
    if user.is_superuser:
        hub = Hub.objects.filter(slug=hub_slug).first()
        if hub is None:
            raise Http404("unknown hub")
        return hub
    membership = HubStaff.objects.select_related("hub").filter(user=user, hub__slug=hub_slug).first()
    if membership is None:
        raise Http404("unknown hub")
    if not role_allows(membership.role, perm):
        raise PermissionDenied(perm)
    return membership.hub


def hubs_for_user(user, perm: str):
    """Return the hubs where ``user`` holds ``perm``, by name."""
    if user is None or not user.is_authenticated:
        return Hub.objects.none()
    if user.is_superuser:
        return Hub.objects.order_by("name")
    return Hub.objects.filter(staff__user=user, staff__role__in=roles_with(perm)).order_by("name")


def platform_access_or_404(user, perm: str) -> None:
    """Allow a platform page to superusers and ``is_staff`` users; 404 for others."""
    if perm not in PLATFORM_PERMISSIONS:
        raise ValueError(f"unknown platform permission {perm!r}")
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff):
        raise Http404("no such page")


def hub_access(perm: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a hub back-office view: log in, then ``hub_for_user_or_404``.

    The view receives ``hub`` instead of ``hub_slug``; ``request.hub`` is set
    too. The permission is kept on the view as ``access_permission`` so the
    URL audit can see that the page is guarded.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, hub_slug: str, *args, **kwargs) -> HttpResponse:
            hub = hub_for_user_or_404(request.user, hub_slug, perm)
            request.hub = hub  # type: ignore[attr-defined]
            return view(request, *args, hub=hub, **kwargs)

        wrapper.access_permission = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator


def platform_access(perm: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a platform page: log in, then ``platform_access_or_404``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            platform_access_or_404(request.user, perm)
            return view(request, *args, **kwargs)

        wrapper.access_permission = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator
