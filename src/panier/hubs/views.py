"""The owner's staff page: invite people and choose their roles."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panier.core.errors import PanierError
from panier.hubs import access
from panier.hubs.access import hub_access
from panier.hubs.forms import InviteForm, RoleForm
from panier.hubs.models import HubRole
from panier.hubs.selectors import hub_staff_list
from panier.hubs.services import hub_staff_invite, hub_staff_remove, hub_staff_set_role


def _page(request, hub, *, form=None, status=200, error=None) -> HttpResponse:
    rows = [(member, RoleForm(initial={"role": member.role})) for member in hub_staff_list(hub=hub)]
    matrix = [(label, sorted(access.role_permissions(value))) for value, label in HubRole.choices]
    return render(
        request,
        "hubs/operator/staff.html",
        {"hub": hub, "rows": rows, "form": form or InviteForm(), "error": error, "matrix": matrix},
        status=status,
    )


@hub_access(access.STAFF_MANAGE)
def staff(request: HttpRequest, *, hub) -> HttpResponse:
    """List the staff with their roles; the form below invites someone."""
    if request.method != "POST":
        return _page(request, hub)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _page(request, hub, form=form, status=400)

    def link_for(uidb64: str, token: str) -> str:
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
        return request.build_absolute_uri(path)

    try:
        hub_staff_invite(
            hub=hub, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
            link_for=link_for, language=translation.get_language() or "fr",
        )
    except PanierError as exc:
        return _page(request, hub, form=form, status=exc.status, error=exc.message)
    messages.success(request, _("Invitation sent."))
    return redirect("hubstaff:staff", hub_slug=hub.slug)


@require_POST
@hub_access(access.STAFF_MANAGE)
def staff_role(request: HttpRequest, *, hub, staff_id: int) -> HttpResponse:
    """Change one member's role (or remove them with ``remove``)."""
    if not hub_staff_list(hub=hub).filter(pk=staff_id).exists():
        raise Http404("not on this hub's staff")
    form = RoleForm(request.POST)
    try:
        if "remove" in request.POST:
            hub_staff_remove(hub=hub, staff_id=staff_id)
        elif form.is_valid():
            hub_staff_set_role(hub=hub, staff_id=staff_id, role=form.cleaned_data["role"])
        else:
            return _page(request, hub, status=400, error=_("Choose a role from the list."))
    except PanierError as exc:
        return _page(request, hub, status=exc.status, error=exc.message)
    messages.success(request, _("Staff updated."))
    return redirect("hubstaff:staff", hub_slug=hub.slug)
