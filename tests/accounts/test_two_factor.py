"""Mandatory TOTP for staff, optional for customers, recovery codes, the admin."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from panier.accounts.models import RecoveryCode
from panier.accounts.services import recovery_code_use, recovery_codes_generate
from tests import factories

pytestmark = pytest.mark.usefixtures("english")

PASSWORD = "correct horse battery"


def _login(client, user, **data):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD, **data})


def _board(shop):
    return reverse("operator:board", kwargs={"hub_slug": shop.hub.slug})


def test_staff_without_a_device_must_enrol_before_any_back_office_page(client, shop):
    """Password login of hub staff leads to enrolment; the board redirects there too."""
    response = _login(client, shop.operator)
    board = client.get(_board(shop))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_enrol"))
    assert board.status_code == 302
    assert board.url.startswith(reverse("accounts:two_factor_enrol"))


def test_enrolment_with_a_real_code_opens_the_back_office_and_shows_recovery_codes(client, shop):
    """Scanning the QR code and typing the app's code confirms the device and verifies the session."""
    _login(client, shop.operator)
    page = client.get(reverse("accounts:two_factor_enrol"))
    device = TOTPDevice.objects.get(user=shop.operator, confirmed=False)

    wrong = client.post(reverse("accounts:two_factor_enrol"), {"code": "000000" if factories.totp_code(device) != "000000" else "111111"})
    done = client.post(reverse("accounts:two_factor_enrol"), {"code": factories.totp_code(device)})
    board = client.get(_board(shop))

    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    assert wrong.status_code == 400
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", done.content.decode())
    assert len(codes) == 10
    assert board.status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True


def test_staff_with_a_device_type_the_code_after_the_password(client, shop):
    """The verify page takes the current code once; replaying it is refused."""
    device = factories.totp_device(shop.operator)
    response = _login(client, shop.operator, next=_board(shop))
    code = factories.totp_code(device)

    verified = client.post(reverse("accounts:two_factor_verify") + "?next=" + _board(shop), {"code": code})
    client.post(reverse("accounts:logout"))
    _login(client, shop.operator)
    replay = client.post(reverse("accounts:two_factor_verify"), {"code": code})

    assert response.url.startswith(reverse("accounts:two_factor_verify"))
    assert verified.status_code == 302
    assert verified.url == _board(shop)
    assert replay.status_code == 400
    assert "This code is not valid" in replay.content.decode()


def test_an_enrolled_user_cannot_replace_the_device_before_verifying(client, shop):
    """A stolen password is not enough to pair a new authenticator."""
    factories.totp_device(shop.operator)
    _login(client, shop.operator)

    response = client.get(reverse("accounts:two_factor_enrol"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_verify"))
    assert TOTPDevice.objects.filter(user=shop.operator).count() == 1


def test_a_recovery_code_works_once(client, shop):
    """A recovery code verifies the session once; the same code is refused afterwards."""
    factories.totp_device(shop.operator)
    codes = recovery_codes_generate(user=shop.operator)
    _login(client, shop.operator)

    first = client.post(reverse("accounts:two_factor_verify"), {"code": codes[0].lower()})
    client.post(reverse("accounts:logout"))
    _login(client, shop.operator)
    second = client.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})

    assert first.status_code == 302
    assert second.status_code == 400
    assert RecoveryCode.objects.filter(user=shop.operator, used_at__isnull=False).count() == 1


def test_recovery_codes_are_stored_hashed(db):
    """No stored row contains a code in clear."""
    user = factories.user()

    codes = recovery_codes_generate(user=user)

    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & stored
    assert recovery_code_use(user=user, code="not-a-code") is False


def test_producer_staff_must_use_two_factor_too(client, shop):
    """A producer user is sent to enrolment before the producer back office."""
    _login(client, shop.producer_user)

    response = client.get(reverse("producer:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_enrol"))


def test_the_admin_requires_a_verified_session(client, db):
    """A superuser whose session has no second factor cannot open the admin."""
    admin = factories.user(is_staff=True, is_superuser=True)
    client.force_login(admin)

    refused = client.get("/admin/")
    factories.login_staff(client, admin)
    allowed = client.get("/admin/")

    assert refused.status_code == 302
    assert refused.url.startswith(reverse("accounts:two_factor_enrol"))
    assert allowed.status_code == 200


def test_the_api_answers_403_json_to_unverified_staff(client, shop):
    """JSON clients get a stable error code instead of a redirect."""
    client.force_login(shop.operator)

    response = client.get("/api/v1/hubs")

    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"


def test_customers_need_no_code_but_may_turn_it_on_and_off(client, db):
    """A customer logs in with a password; after enrolling, the code is asked; it can be turned off."""
    customer = factories.user()
    plain = _login(client, customer)

    client.get(reverse("accounts:two_factor_enrol"))
    device = TOTPDevice.objects.get(user=customer)
    client.post(reverse("accounts:two_factor_enrol"), {"code": factories.totp_code(device)})
    client.post(reverse("accounts:logout"))
    asked = _login(client, customer)
    client.post(reverse("accounts:two_factor_verify"), {"code": factories.totp_code(device, at=time.time() + 30)})
    off = client.post(reverse("accounts:two_factor_off"))

    assert plain.status_code == 302
    assert plain.url == reverse("web:home")
    assert asked.url.startswith(reverse("accounts:two_factor_verify"))
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=customer).exists()


def test_staff_cannot_turn_two_factor_off(client, shop):
    """The switch refuses staff accounts and keeps their device."""
    factories.login_staff(client, shop.operator)

    client.post(reverse("accounts:two_factor_off"))

    assert TOTPDevice.objects.filter(user=shop.operator, confirmed=True).exists()
