"""Sign-up confirmation, password reset, Argon2 hashes and log-in throttling."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.urls import reverse

from panier.accounts.errors import VerificationLinkInvalid
from panier.accounts.models import User
from panier.accounts.services import email_verification_token, email_verify
from tests import factories

pytestmark = pytest.mark.usefixtures("english")

PASSWORD = "correct horse battery"


def _login(client, email, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, **extra)


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_signup_sends_a_confirmation_link_that_confirms_the_address(client, db, django_capture_on_commit_callbacks):
    """Signing up e-mails a link; following it marks the address confirmed."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:signup"),
            {"email": "Nina@Example.org", "password1": "a long passphrase 42", "password2": "a long passphrase 42"},
        )

    assert response.status_code == 302
    user = User.objects.get(email="nina@example.org")
    assert user.email_verified_at is None
    assert [m.to for m in mail.outbox] == [["nina@example.org"]]

    answer = client.get(_link(mail.outbox[0]))

    assert answer.status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_an_unconfirmed_account_cannot_log_in_and_gets_a_new_link(client, db, django_capture_on_commit_callbacks):
    """The right password of an unconfirmed account is refused with a clear message and a new link."""
    factories.user(email="nina@example.org", email_verified_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        response = _login(client, "nina@example.org")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Confirm your e-mail address before logging in" in response.content.decode()
    assert len(mail.outbox) == 1


def test_a_forged_or_outdated_link_is_refused(client, db):
    """A tampered token, or one for an address since changed, is refused with 400."""
    user = factories.user(email_verified_at=None)
    token = email_verification_token(user=user)
    User.objects.filter(pk=user.pk).update(email="changed@example.org")

    with pytest.raises(VerificationLinkInvalid) as outdated:
        email_verify(token=token)
    page = client.get(reverse("accounts:verify_email", kwargs={"token": token[:-2] + "xx"}))

    assert outdated.value.code == "verification_link_invalid"
    assert page.status_code == 400
    assert "invalid or has expired" in page.content.decode()


def test_an_expired_link_is_refused(db, settings):
    """A link older than PANIER_EMAIL_VERIFY_MAX_AGE_S no longer works."""
    user = factories.user(email_verified_at=None)
    token = email_verification_token(user=user)
    settings.PANIER_EMAIL_VERIFY_MAX_AGE_S = -1

    with pytest.raises(VerificationLinkInvalid):
        email_verify(token=token)


def test_password_reset_answers_the_same_for_unknown_addresses(client, db):
    """Known or unknown address: same redirect, and only the known one gets mail."""
    factories.user(email="paul@example.org")

    known = client.post(reverse("accounts:password_reset"), {"email": "paul@example.org"})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("accounts:password_reset_done")
    assert [m.to for m in mail.outbox] == [["paul@example.org"]]


def test_password_reset_link_sets_a_new_password_and_confirms_the_address(client, db):
    """The reset link works once, sets the password and confirms the address."""
    user = factories.user(email="paul@example.org", email_verified_at=None)
    client.post(reverse("accounts:password_reset"), {"email": "paul@example.org"})
    link = _link(mail.outbox[0])

    form_page = client.get(link, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "another long secret 7", "new_password2": "another long secret 7"},
    )
    again = client.get(link, follow=True)

    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another long secret 7")
    assert user.email_verified_at is not None
    assert "invalid or has already been used" in again.content.decode()


def test_argon2_hashes_new_passwords_and_upgrades_old_ones_at_login(client, db):
    """New hashes are Argon2; a PBKDF2 hash becomes Argon2 at the next log-in."""
    fresh = factories.user()
    old = factories.user(email="old@example.org")
    User.objects.filter(pk=old.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))

    response = _login(client, "old@example.org")

    assert fresh.password.startswith("argon2$")
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.password.startswith("argon2$")


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(client, db, settings):
    """After the limit, even the right password is refused (429) until the lockout ends."""
    settings.PANIER_LOGIN_MAX_FAILURES_ACCOUNT = 5
    factories.user(email="paul@example.org")

    wrong = [_login(client, "paul@example.org", "nope").status_code for _ in range(5)]
    locked = _login(client, "paul@example.org")

    assert wrong == [200] * 5
    assert locked.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account_and_per_address(client, db, settings):
    """A locked account does not block others; many failures from one address block it."""
    settings.PANIER_LOGIN_MAX_FAILURES_ACCOUNT = 3
    settings.PANIER_LOGIN_MAX_FAILURES_IP = 4
    factories.user(email="paul@example.org")
    factories.user(email="anna@example.org")
    factories.user(email="eve@example.org")

    for _ in range(3):
        _login(client, "paul@example.org", "nope")
    paul = _login(client, "paul@example.org")
    anna = _login(client, "anna@example.org")
    client.post(reverse("accounts:logout"))
    for _ in range(2):
        _login(client, "eve@example.org", "nope", REMOTE_ADDR="203.0.113.9")
    for _ in range(2):
        _login(client, "anna@example.org", "nope", REMOTE_ADDR="203.0.113.9")
    from_that_address = _login(client, "anna@example.org", REMOTE_ADDR="203.0.113.9")
    from_elsewhere = _login(client, "anna@example.org", REMOTE_ADDR="198.51.100.1")

    assert paul.status_code == 429
    assert anna.status_code == 302
    assert from_that_address.status_code == 429
    assert from_elsewhere.status_code == 302


def test_a_good_password_clears_the_account_count(client, db, settings):
    """Failures before a successful log-in do not add up with later ones."""
    settings.PANIER_LOGIN_MAX_FAILURES_ACCOUNT = 3
    factories.user(email="paul@example.org")

    for _ in range(2):
        _login(client, "paul@example.org", "nope")
    _login(client, "paul@example.org")
    client.post(reverse("accounts:logout"))
    for _ in range(2):
        _login(client, "paul@example.org", "nope")
    last = _login(client, "paul@example.org")

    assert last.status_code == 302
