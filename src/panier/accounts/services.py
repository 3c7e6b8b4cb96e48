"""Account writes: e-mail confirmation, log-in throttling, two-factor devices.

Two-factor authentication uses django-otp's TOTP devices. A session counts
as verified once ``django_otp.login`` has stored the device in it; the
``TwoFactorMiddleware`` keeps unverified sessions of users who need (or
chose) a second factor on the two-factor pages.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from panier.accounts import rules
from panier.accounts.errors import (
    LoginThrottled,
    TwoFactorCodeInvalid,
    TwoFactorRequired,
    VerificationLinkInvalid,
)
from panier.accounts.models import RecoveryCode, User
from panier.notifications.services import email_send_on_commit

logger = logging.getLogger(__name__)

VERIFY_SALT = "panier.accounts.email-verify"
RECOVERY_CODE_COUNT = 10


# E-mail confirmation --------------------------------------------------------


def email_verification_token(*, user: User) -> str:
    """Return a signed token that confirms ``user``'s current address.

    The address is part of the token, so changing it voids older links.
    """
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT, compress=True)


def email_verify(*, token: str, now: datetime | None = None) -> User:
    """Mark the address in ``token`` as confirmed and return its user.

    Raises VerificationLinkInvalid for a forged, expired or outdated token.
    Confirming twice is harmless.
    """
    max_age = settings.PANIER_EMAIL_VERIFY_MAX_AGE_S
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=max_age)
    except signing.BadSignature as exc:  # SignatureExpired is a subclass
        raise VerificationLinkInvalid() from exc
    user = User.objects.filter(pk=data.get("u"), email=data.get("e"), is_active=True).first()
    if user is None:
        raise VerificationLinkInvalid()
    if user.email_verified_at is None:
        User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(
            email_verified_at=now or timezone.now()
        )
        user.refresh_from_db(fields=["email_verified_at"])
        logger.info("account.email_verified", extra={"user_id": user.pk})
    return user


def email_verification_send(*, user: User, link: str, language: str) -> None:
    """E-mail the confirmation ``link`` to ``user`` once the transaction commits."""
    email_send_on_commit(
        to=[user.email],
        template="accounts/email/verify",
        context={"link": link, "max_age_days": settings.PANIER_EMAIL_VERIFY_MAX_AGE_S // 86400},
        language=language,
    )


def email_mark_verified(*, user: User, now: datetime | None = None) -> None:
    """Record that ``user`` proved they read their mailbox (a reset link)."""
    if user.email_verified_at is None:
        user.email_verified_at = now or timezone.now()
        User.objects.filter(pk=user.pk).update(email_verified_at=user.email_verified_at)


# Log-in throttling ----------------------------------------------------------


def _policies() -> dict[str, rules.ThrottlePolicy]:
    window = settings.PANIER_LOGIN_WINDOW_S
    lockout = settings.PANIER_LOGIN_LOCKOUT_S
    return {
        "account": rules.ThrottlePolicy(settings.PANIER_LOGIN_MAX_FAILURES_ACCOUNT, window, lockout),
        "ip": rules.ThrottlePolicy(settings.PANIER_LOGIN_MAX_FAILURES_IP, window, lockout),
    }


def _keys(*, email: str, ip: str) -> dict[str, str]:
    # Hash the address: cache keys must hold no personal data.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return {"account": f"login:acct:{digest}", "ip": f"login:ip:{ip}"}


def login_throttle_check(*, email: str, ip: str, now_s: float | None = None) -> None:
    """Raise LoginThrottled while the account or the address is locked out.

    The counters live in the Django cache: Redis when ``REDIS_URL`` is set,
    so every worker sees the same lockouts.
    """
    now_s = time.time() if now_s is None else now_s
    for key in _keys(email=email, ip=ip).values():
        until = cache.get(f"{key}:lock")
        if until is not None and float(until) > now_s:
            raise LoginThrottled(minutes=rules.minutes_to_wait(float(until) - now_s), scope=key.split(":")[1])


def login_failure_record(*, email: str, ip: str, now_s: float | None = None) -> None:
    """Count a failed log-in against the account and the address; lock at the limit."""
    now_s = time.time() if now_s is None else now_s
    policies = _policies()
    for scope, key in _keys(email=email, ip=ip).items():
        policy = policies[scope]
        cache.add(f"{key}:fails", 0, timeout=policy.window_s)
        try:
            failures = cache.incr(f"{key}:fails")
        except ValueError:  # expired between add and incr
            cache.set(f"{key}:fails", 1, timeout=policy.window_s)
            failures = 1
        if rules.is_locked_out(failures, policy):
            cache.set(f"{key}:lock", now_s + policy.lockout_s, timeout=policy.lockout_s)
            cache.delete(f"{key}:fails")
            logger.warning("account.login_locked", extra={"scope": scope})


def login_success_record(*, email: str, ip: str) -> None:
    """Forget the account's failures after a good password."""
    cache.delete(f"{_keys(email=email, ip=ip)['account']}:fails")


# Two-factor authentication --------------------------------------------------


def two_factor_required(*, user: User) -> bool:
    """Hub staff, producer staff and admin users must use a second factor."""
    if user.is_staff or user.is_superuser:
        return True
    return User.objects.filter(
        Q(pk=user.pk) & (Q(hub_roles__isnull=False) | Q(producer_roles__isnull=False))
    ).exists()


def two_factor_step(*, user: User) -> str | None:
    """Return what an unverified session of ``user`` must do next.

    ``"verify"`` when the user has a confirmed device, ``"enrol"`` when the
    user needs one and has none, None when a password is enough (a customer
    who did not turn two-factor authentication on). One query for most users.
    """
    row = (
        User.objects.filter(pk=user.pk)
        .filter(
            Q(is_staff=True) | Q(is_superuser=True) | Q(hub_roles__isnull=False)
            | Q(producer_roles__isnull=False) | Q(totpdevice__confirmed=True)
        )
        .exists()
    )
    if not row:
        return None
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return "verify"
    return "enrol" if two_factor_required(user=user) else None


def totp_enrol_start(*, user: User) -> TOTPDevice:
    """Return the user's pending (unconfirmed) authenticator, creating it if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_enrol_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code it shows; return it and fresh recovery codes.

    Raises TwoFactorCodeInvalid for a wrong code. Older devices of the user
    are removed: one authenticator per account.
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not device.verify_token(token.strip().replace(" ", "")):
        raise TwoFactorCodeInvalid(field="code")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_generate(user=user)
    logger.info("account.two_factor_enrolled", extra={"user_id": user.pk})
    return device, codes


def totp_verify(*, user: User, token: str) -> TOTPDevice:
    """Return the confirmed device that accepts ``token`` (each code works once).

    A recovery code is accepted too. Raises TwoFactorCodeInvalid otherwise;
    django-otp slows down repeated failures on the device.
    """
    token = token.strip().replace(" ", "")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        raise TwoFactorCodeInvalid(field="code")
    if token.isdigit():
        with transaction.atomic():
            locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            if locked.verify_token(token):
                return locked
        raise TwoFactorCodeInvalid(field="code")
    if recovery_code_use(user=user, code=token):
        return device
    raise TwoFactorCodeInvalid(field="code")


def _code_hash(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"recovery:" + code.encode(), hashlib.sha256).hexdigest()


def recovery_codes_generate(*, user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; return them, formatted.

    The codes are shown once: only their keyed hashes are stored.
    """
    raw = [
        "".join(secrets.choice(rules.RECOVERY_ALPHABET) for _ in range(rules.RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_code_hash(c)) for c in raw)
    return [rules.recovery_code_format(c) for c in raw]


def recovery_code_use(*, user: User, code: str, now: datetime | None = None) -> bool:
    """Spend one recovery code; return whether it was valid and unused.

    A conditional UPDATE marks it used, so two concurrent uses of one code
    cannot both succeed.
    """
    normalised = rules.recovery_code_normalise(code)
    if len(normalised) != rules.RECOVERY_LENGTH:
        return False
    spent = RecoveryCode.objects.filter(
        user=user, code_hash=_code_hash(normalised), used_at__isnull=True
    ).update(used_at=now or timezone.now())
    if spent:
        logger.info("account.recovery_code_used", extra={"user_id": user.pk})
    return spent == 1


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Remove a customer's second factor. Staff must keep theirs."""
    if two_factor_required(user=user):
        raise TwoFactorRequired()
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
