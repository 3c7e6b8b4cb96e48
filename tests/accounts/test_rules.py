"""Pure rules of accounts and the hub permission matrix."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from panier.accounts import rules
from panier.hubs import access

codes = st.text(alphabet=rules.RECOVERY_ALPHABET, min_size=rules.RECOVERY_LENGTH, max_size=rules.RECOVERY_LENGTH)


@given(codes, st.sampled_from(["", " ", "  "]), st.booleans())
def test_a_shown_code_reads_back_however_it_is_typed(code, padding, lower):
    """Formatting, spaces and lower case do not change the code."""
    typed = padding + rules.recovery_code_format(code) + padding
    typed = typed.lower() if lower else typed

    assert rules.recovery_code_normalise(typed) == code


@given(st.floats(min_value=0, max_value=10**6, allow_nan=False))
def test_the_wait_is_rounded_up_to_whole_minutes(seconds):
    """The message never promises less time than the lockout has left."""
    minutes = rules.minutes_to_wait(seconds)

    assert minutes >= 1
    assert minutes * 60 >= seconds
    assert (minutes - 1) * 60 < max(seconds, 60)


@given(st.integers(min_value=0, max_value=100), st.integers(min_value=1, max_value=50))
def test_lockout_starts_exactly_at_the_limit(failures, limit):
    policy = rules.ThrottlePolicy(limit=limit, window_s=60, lockout_s=60)

    assert rules.is_locked_out(failures, policy) is (failures >= limit)


def test_the_owner_holds_every_hub_permission_and_only_the_owner_manages_staff():
    """Least privilege: staff management and exports are not given away."""
    assert access.role_permissions("owner") == access.HUB_PERMISSIONS
    assert access.roles_with(access.STAFF_MANAGE) == ["owner"]
    assert access.roles_with(access.ORDERS_REFUND) == ["owner", "support"]
    assert access.roles_with(access.ROUNDS_DRIVE) == ["logistics", "owner"]
    assert access.role_permissions("intern") == frozenset()


@given(st.sampled_from(sorted(access.ROLE_PERMISSIONS)), st.sampled_from(sorted(access.HUB_PERMISSIONS)))
def test_the_matrix_is_consistent(role, perm):
    """Every role grants hub permissions only, never platform ones, and roles_with agrees."""
    granted = access.role_permissions(role)

    assert granted <= access.HUB_PERMISSIONS
    assert not granted & access.PLATFORM_PERMISSIONS
    assert (role in access.roles_with(perm)) is access.role_allows(role, perm)
