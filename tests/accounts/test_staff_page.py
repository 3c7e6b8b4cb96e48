"""The owner's staff page: invitations, roles, and the last owner."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from panier.accounts.models import User
from panier.hubs.models import HubRole, HubStaff
from tests import factories

pytestmark = pytest.mark.usefixtures("english")


def _url(shop):
    return reverse("hubstaff:staff", kwargs={"hub_slug": shop.hub.slug})


def test_the_owner_invites_a_new_person_who_sets_a_password(client, shop, django_capture_on_commit_callbacks):
    """An invitation creates the account with the role and e-mails a link to choose a password."""
    factories.login_staff(client, shop.operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(shop), {"email": "Lea@Example.org", "role": HubRole.LOGISTICS})

    assert response.status_code == 302
    lea = User.objects.get(email="lea@example.org")
    assert HubStaff.objects.get(hub=shop.hub, user=lea).role == HubRole.LOGISTICS
    assert not lea.has_usable_password()
    assert [m.to for m in mail.outbox] == [["lea@example.org"]]
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    client.post(reverse("accounts:logout"))
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": "lea's long secret 9", "new_password2": "lea's long secret 9"})
    lea.refresh_from_db()
    assert lea.check_password("lea's long secret 9")
    assert lea.email_verified_at is not None


def test_the_owner_changes_a_role_but_the_hub_keeps_an_owner(client, shop):
    """Roles change; demoting or removing the last owner is refused with 409."""
    member = factories.user()
    staff = HubStaff.objects.create(hub=shop.hub, user=member, role=HubRole.SUPPORT)
    owner = HubStaff.objects.get(hub=shop.hub, user=shop.operator)
    factories.login_staff(client, shop.operator)
    role_url = reverse("hubstaff:staff_role", kwargs={"hub_slug": shop.hub.slug, "staff_id": staff.pk})
    owner_url = reverse("hubstaff:staff_role", kwargs={"hub_slug": shop.hub.slug, "staff_id": owner.pk})

    changed = client.post(role_url, {"role": HubRole.ACCOUNTING})
    demoted = client.post(owner_url, {"role": HubRole.SUPPORT})
    removed = client.post(owner_url, {"remove": "1"})
    bad = client.post(role_url, {"role": "king"})

    assert changed.status_code == 302
    staff.refresh_from_db()
    assert staff.role == HubRole.ACCOUNTING
    assert demoted.status_code == 409
    assert removed.status_code == 409
    assert "A hub keeps at least one owner." in removed.content.decode()
    assert bad.status_code == 400
    owner.refresh_from_db()
    assert owner.role == HubRole.OWNER


def test_an_invalid_invitation_shows_the_form_errors(client, shop):
    """A bad address or role answers 400 with the form, and creates nobody."""
    factories.login_staff(client, shop.operator)
    before = User.objects.count()

    response = client.post(_url(shop), {"email": "not an address", "role": "king"})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert User.objects.count() == before


def test_the_page_is_the_owners(client, shop):
    """Support staff get 403 on the staff page."""
    member = factories.user()
    HubStaff.objects.create(hub=shop.hub, user=member, role=HubRole.SUPPORT)
    factories.login_staff(client, member)

    assert client.get(_url(shop)).status_code == 403
