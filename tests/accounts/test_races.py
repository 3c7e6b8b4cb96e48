"""Races on PostgreSQL: a recovery code spent twice, two owners demoting each other."""

from __future__ import annotations

import pytest

from panier.accounts.models import RecoveryCode
from panier.accounts.services import recovery_code_use, recovery_codes_generate
from panier.core.errors import PanierError
from panier.hubs.models import HubRole, HubStaff
from panier.hubs.services import hub_staff_set_role
from tests import factories
from tests.concurrency.test_races import kinds, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_ten_uses_of_one_recovery_code_at_once_succeed_once():
    """Exactly one of ten concurrent uses of the same code is accepted."""
    user = factories.user()
    code = recovery_codes_generate(user=user)[0]

    outcomes = race(10, lambda i: recovery_code_use(user=user, code=code))

    assert sorted(value for _, value in outcomes) == [False] * 9 + [True]
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=False).count() == 1


def test_two_owners_demoting_each_other_leave_one_owner(shop):
    """Each change locks the hub's staff rows, so the hub never ends up without an owner."""
    second = factories.user()
    HubStaff.objects.create(hub=shop.hub, user=second, role=HubRole.OWNER)
    ids = list(HubStaff.objects.filter(hub=shop.hub).order_by("pk").values_list("pk", flat=True))

    def demote(i):
        try:
            return hub_staff_set_role(hub=shop.hub, staff_id=ids[i], role=HubRole.SUPPORT).pk
        except PanierError as exc:
            return exc.code

    outcomes = race(2, demote)

    assert kinds(outcomes) == {"ok": 2}
    assert sorted(str(value) for _, value in outcomes).count("last_owner") == 1
    assert HubStaff.objects.filter(hub=shop.hub, role=HubRole.OWNER).count() == 1
