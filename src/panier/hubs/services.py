"""Hub staff: invite people, change their role, remove them."""

from __future__ import annotations

import logging

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from panier.accounts.models import User
from panier.hubs.errors import LastOwner, StaffNotFound
from panier.hubs.models import Hub, HubRole, HubStaff
from panier.notifications.services import email_send_on_commit

logger = logging.getLogger(__name__)


def hub_staff_invite(*, hub: Hub, email: str, role: str, link_for, language: str) -> HubStaff:
    """Give ``email`` the ``role`` in ``hub``, creating the account if needed.

    A new account has no password: the invitation e-mail carries a
    password-reset link (``link_for(uidb64, token)`` builds its URL), which
    also confirms the address. An existing member gets the new role.
    Side effect: one e-mail, sent after commit.
    """
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User.objects.create_user(email=email, password=None)
        staff, _ = HubStaff.objects.update_or_create(hub=hub, user=user, defaults={"role": role})
        _check_an_owner_remains(hub)
        link = None
        if created or not user.has_usable_password():
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            link = link_for(uid, default_token_generator.make_token(user))
        email_send_on_commit(
            to=[user.email],
            template="hubs/email/invite",
            context={"hub": hub.name, "role": HubRole(role).label, "link": link},
            language=language,
        )
    logger.info("hub.staff_invited", extra={"hub_id": hub.pk, "user_id": user.pk})
    return staff


def _check_an_owner_remains(hub: Hub) -> None:
    if not HubStaff.objects.filter(hub=hub, role=HubRole.OWNER).exists():
        raise LastOwner()


@transaction.atomic
def hub_staff_set_role(*, hub: Hub, staff_id: int, role: str) -> HubStaff:
    """Change a member's role. Raises StaffNotFound, or LastOwner (rolled back)."""
    # Lock the hub's staff rows in pk order so two owners demoting each other
    # cannot both succeed.
    rows = list(HubStaff.objects.select_for_update().filter(hub=hub).order_by("pk"))
    staff = next((row for row in rows if row.pk == staff_id), None)
    if staff is None:
        raise StaffNotFound()
    staff.role = role
    staff.save(update_fields=["role"])
    _check_an_owner_remains(hub)
    return staff


@transaction.atomic
def hub_staff_remove(*, hub: Hub, staff_id: int) -> None:
    """Take a member off the hub's staff (the account stays). Raises StaffNotFound or LastOwner."""
    list(HubStaff.objects.select_for_update().filter(hub=hub).order_by("pk"))
    deleted, _ = HubStaff.objects.filter(hub=hub, pk=staff_id).delete()
    if not deleted:
        raise StaffNotFound()
    _check_an_owner_remains(hub)
