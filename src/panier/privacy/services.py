"""GDPR writes: erasure, consent with double opt-in, newsletters, breaches, retention.

What erasure keeps, and why, is written down in docs/privacy.md.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from panier.accounts.models import Address, User
from panier.audit.models import AuditAction
from panier.audit.services import audit_purge, audit_record, export_record
from panier.cart.models import Cart
from panier.core import clock
from panier.core.cache_versions import catalog_version_bump
from panier.hubs.models import Hub, HubStaff
from panier.invoicing.models import Invoice
from panier.notifications.services import email_send_on_commit
from panier.orders import rules as order_rules
from panier.orders.models import Order, Withdrawal
from panier.orders.templatetags.order_links import site_url
from panier.payments.models import StoredPaymentMethod
from panier.privacy import rules
from panier.privacy.errors import ConsentNotFound, ErasureBlocked, PasswordIncorrect
from panier.privacy.models import Breach, ConsentStatus, MarketingConsent
from panier.privacy.selectors import CUSTOMER_COLUMNS, hub_customers, personal_data
from panier.producers.models import ProducerStaff
from panier.reviews.models import Review
from panier.subscriptions.models import Subscription, SubscriptionStatus

logger = logging.getLogger(__name__)

OPEN_ORDER_STATUSES = frozenset({
    order_rules.PENDING_PAYMENT, order_rules.PAID, order_rules.IN_PREPARATION, order_rules.READY,
    order_rules.OUT_FOR_DELIVERY, order_rules.READY_FOR_PICKUP,
})
# What erasure blanks on an order. The amounts, lines, dates, status, the
# postal code and city (place of supply for VAT reports) stay; the
# invoice keeps its own frozen copy of the buyer's name and address.
ORDER_PERSONAL_FIELDS = ("email", "first_name", "last_name", "phone", "address_line1", "address_line2",
                         "delivery_notes", "latitude", "longitude")
_ORDER_BLANKS: dict[str, Any] = {
    "email": "", "first_name": "", "last_name": "", "phone": "", "address_line1": "", "address_line2": "",
    "delivery_notes": "", "latitude": None, "longitude": None,
}


# Access and portability ----------------------------------------------------


def personal_data_json(*, user: User, request=None) -> bytes:
    """The user's data as one JSON document; the download is audited."""
    data = personal_data(user=user)
    audit_record(action=AuditAction.EXPORT, object_type="account", object_id=user.pk, actor=user,
                 request=request, fields=sorted(data), rows=sum(len(v) for v in data.values()))
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def personal_data_zip(*, user: User, request=None) -> bytes:
    """The user's data as a ZIP of one CSV per table (UTF-8 with BOM, for spreadsheets)."""
    data = personal_data(user=user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, rows in data.items():
            text = io.StringIO()
            columns = list(rows[0]) if rows else []
            writer = csv.writer(text)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([row[c] for c in columns])
            archive.writestr(f"{table}.csv", "\ufeff" + text.getvalue())
    audit_record(action=AuditAction.EXPORT, object_type="account", object_id=user.pk, actor=user,
                 request=request, fields=sorted(data), rows=sum(len(v) for v in data.values()))
    return buffer.getvalue()


# Erasure -------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    user_id: int
    orders_anonymised: int
    invoices_kept: int
    addresses_deleted: int
    consents_deleted: int


def _orders_anonymise(orders) -> int:
    order_ids = list(orders.values_list("pk", flat=True))
    Withdrawal.objects.filter(order_id__in=order_ids).update(name="", email="")
    return Order.objects.filter(pk__in=order_ids).update(user=None, **_ORDER_BLANKS)


def account_erase(*, user: User, actor: Any = None, request=None, now: datetime | None = None) -> ErasureResult:
    """Erase a customer's personal data (GDPR art. 17) and close the account.

    Deletes addresses, baskets, marketing consents and staff roles;
    blanks the personal fields of the user's orders and withdrawals and
    unlinks them; turns the account into an inactive one with an
    ``erased-<id>@erased.invalid`` address and no usable password.
    Invoices are not touched: they keep the buyer's name and address for
    the 10-year accounting retention (C. com. L123-22, GDPR 17(3)(b)).
    Raises ``ErasureBlocked`` while an order is in progress.
    """
    now = now or clock.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        orders = Order.objects.filter(user=user)
        if orders.filter(status__in=OPEN_ORDER_STATUSES).exists():
            raise ErasureBlocked()
        old_email = user.email
        invoices_kept = Invoice.objects.filter(order__in=orders).count()
        anonymised = _orders_anonymise(orders)
        addresses, _ = Address.objects.filter(user=user).delete()
        Cart.objects.filter(user=user).delete()
        consents, _ = MarketingConsent.objects.filter(Q(user=user) | Q(email__iexact=old_email)).delete()
        HubStaff.objects.filter(user=user).delete()
        ProducerStaff.objects.filter(user=user).delete()
        # Published reviews stay (they inform other buyers and remain verified
        # purchases) but no longer name or point to their author.
        review_hubs = set(Review.objects.filter(author=user).values_list("hub_id", flat=True))
        reviews = Review.objects.filter(author=user).update(author=None, author_name=gettext("Former customer"))
        # Product pages kept in the page caches show the author's name: move
        # the catalog version of each hub concerned once the erasure commits.
        for hub_id in review_hubs:
            transaction.on_commit(partial(catalog_version_bump, hub_id))
        # Recurring baskets stop, and stored cards can no longer be charged.
        Subscription.objects.filter(user=user).exclude(status=SubscriptionStatus.CANCELLED).update(
            status=SubscriptionStatus.CANCELLED
        )
        Subscription.objects.filter(user=user).update(
            email="", first_name="", last_name="", phone="", address_line1="", address_line2="", city=""
        )
        StoredPaymentMethod.objects.filter(customer=user, revoked_at__isnull=True).update(revoked_at=now)
        user.email = rules.erased_email(user.pk)
        user.first_name = user.last_name = user.phone = ""
        user.is_active = False
        user.is_staff = user.is_superuser = False
        user.set_unusable_password()
        user.save()
        result = ErasureResult(user.pk, anonymised, invoices_kept, addresses, consents)
        audit_record(
            action=AuditAction.ERASE, object_type="account", object_id=user.pk,
            actor=actor, request=request, now=now,
            fields=["email", "first_name", "last_name", "phone", "addresses", "orders", "consents"],
            changes={"orders_anonymised": anonymised, "invoices_kept": invoices_kept, "reviews_anonymised": reviews},
        )
    logger.info("privacy.account_erased", extra={"user_id": user.pk, "orders": anonymised})
    return result


def account_delete_self(*, user: User, password: str, request=None) -> ErasureResult:
    """Let a signed-in customer erase their own account after typing their password."""
    if not password or not user.check_password(password):
        raise PasswordIncorrect(field="password")
    return account_erase(user=user, actor=user, request=request)


# Marketing consent -------------------------------------------------------------


def consent_text(*, hub: Hub) -> str:
    return gettext(
        "I agree to receive the newsletter of %(hub)s by e-mail. I can unsubscribe at any time "
        "with the link in every message."
    ) % {"hub": hub.name}


def consent_request(
    *, hub: Hub, email: str, source: str, user: User | None = None, now: datetime | None = None
) -> MarketingConsent:
    """Record a request to receive a hub's newsletter and e-mail the confirmation link.

    Nothing is sent to the address until the link is followed (double
    opt-in). Asking again renews the pending request and its link; an
    already confirmed consent is left as it is and no e-mail leaves.
    """
    now = now or clock.now()
    email = email.strip().lower()
    language = translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        consent, created = MarketingConsent.objects.select_for_update().get_or_create(
            hub=hub, email=email,
            defaults={"user": user, "source": source, "text_version": settings.PANIER_CONSENT_TEXT_VERSION,
                      "text": consent_text(hub=hub), "requested_at": now, "last_contact_at": now,
                      "language": language},
        )
        if not created and consent.status == ConsentStatus.CONFIRMED:
            return consent
        if not created:
            MarketingConsent.objects.filter(pk=consent.pk).update(
                status=ConsentStatus.PENDING, source=source, text_version=settings.PANIER_CONSENT_TEXT_VERSION,
                text=consent_text(hub=hub), requested_at=now, last_contact_at=now, withdrawn_at=None,
                confirmed_at=None, user=user or consent.user, language=language,
            )
            consent.refresh_from_db()
        email_send_on_commit(
            to=[email], template="privacy/email/consent_confirm", language=language,
            context={"hub": hub, "token": str(consent.confirm_token), "text": consent.text},
        )
    return consent


def consent_confirm(*, token: str, now: datetime | None = None) -> MarketingConsent:
    """Confirm a pending consent from its e-mailed link (idempotent)."""
    now = now or clock.now()
    with transaction.atomic():
        consent = MarketingConsent.objects.select_for_update().filter(confirm_token=token).first()
        if consent is None or consent.status == ConsentStatus.WITHDRAWN:
            raise ConsentNotFound()
        if consent.status == ConsentStatus.PENDING:
            consent.status = ConsentStatus.CONFIRMED
            consent.confirmed_at = now
            consent.last_contact_at = now
            consent.save(update_fields=["status", "confirmed_at", "last_contact_at"])
    return consent


def consent_withdraw(*, unsubscribe_token: str, now: datetime | None = None) -> MarketingConsent:
    """Unsubscribe from the link or header of a newsletter (idempotent, no login)."""
    now = now or clock.now()
    with transaction.atomic():
        consent = MarketingConsent.objects.select_for_update().filter(unsubscribe_token=unsubscribe_token).first()
        if consent is None:
            raise ConsentNotFound()
        if consent.status != ConsentStatus.WITHDRAWN:
            consent.status = ConsentStatus.WITHDRAWN
            consent.withdrawn_at = now
            consent.save(update_fields=["status", "withdrawn_at"])
    return consent


def unsubscribe_url(consent: MarketingConsent) -> str:
    """The absolute https URL of a consent's one-click unsubscribe endpoint."""
    with translation.override(None):
        path = reverse("privacy:unsubscribe", kwargs={"token": consent.unsubscribe_token})
    base = site_url()
    if base.startswith("http://"):
        base = "https://" + base.removeprefix("http://")
    return base + path


def newsletter_message(*, consent: MarketingConsent, subject: str, body: str, connection=None) -> EmailMultiAlternatives:
    """One newsletter e-mail, with RFC 8058 one-click unsubscribe headers."""
    url = unsubscribe_url(consent)
    with translation.override(consent.language):
        text = render_to_string(
            "privacy/email/newsletter_body.txt", {"hub": consent.hub, "body": body, "unsubscribe_url": url}
        )
    return EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[consent.email],
        connection=connection,
        headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def newsletter_send(*, hub: Hub, subject: str, body: str) -> int:
    """Send a newsletter to every confirmed consent of the hub; returns how many left.

    Runs outside any transaction (it talks to the mail server).
    """
    consents = list(MarketingConsent.objects.filter(hub=hub, status=ConsentStatus.CONFIRMED).select_related("hub"))
    connection = get_connection()
    messages = [newsletter_message(consent=c, subject=subject, body=body, connection=connection) for c in consents]
    sent = connection.send_messages(messages) or 0
    logger.info("privacy.newsletter_sent", extra={"hub_id": hub.pk, "count": sent})
    return sent


# Customer export ---------------------------------------------------------------


def customer_export_csv(*, hub: Hub, actor: User, request=None, now: datetime | None = None) -> str:
    """The hub's customers as CSV, if the daily caps allow it (see ``export_record``)."""
    rows = list(hub_customers(hub=hub))
    export_record(actor=actor, hub=hub, object_type="customers", rows=len(rows), columns=CUSTOMER_COLUMNS,
                  request=request, now=now)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CUSTOMER_COLUMNS)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


# Breach register ------------------------------------------------------------------


BREACH_FIELDS = ["detected_at", "nature", "data_categories", "people_affected", "records_affected",
                 "consequences", "measures", "risk", "cnil_notified_at", "delay_reason", "people_notified_at"]


def breach_save(*, hub: Hub, actor: User, data: dict[str, Any], breach: Breach | None = None, request=None) -> Breach:
    """Create or update a breach register entry; the change is audited."""
    created = breach is None
    with transaction.atomic():
        if created:
            breach = Breach(hub=hub, created_by=actor, created_at=clock.now())
            changed = list(data)
        else:
            breach = Breach.objects.select_for_update().get(pk=breach.pk, hub=hub)
            changed = [name for name, value in data.items() if getattr(breach, name) != value]
        for name, value in data.items():
            setattr(breach, name, value)
        breach.full_clean()
        breach.save()
        audit_record(action=AuditAction.CREATE if created else AuditAction.CHANGE, object_type="breach",
                     object_id=breach.pk, actor=actor, hub=hub, fields=changed, request=request)
    return breach


# Retention ------------------------------------------------------------------------


@dataclass
class RetentionSummary:
    dry_run: bool
    customers_erased: int = 0
    customers_skipped_open_orders: int = 0
    guest_orders_anonymised: int = 0
    prospects_deleted: int = 0
    audit_entries_purged: int = 0
    details: list[str] = field(default_factory=list)


def _inactive_customers(cutoff: datetime):
    staff_ids = HubStaff.objects.values("user_id")
    producer_ids = ProducerStaff.objects.values("user_id")
    return (
        User.objects.filter(is_active=True, is_staff=False, is_superuser=False, date_joined__lt=cutoff)
        .exclude(pk__in=staff_ids)
        .exclude(pk__in=producer_ids)
        .annotate(last_order=Max("orders__placed_at"))
        .filter(Q(last_order__isnull=True) | Q(last_order__lt=cutoff))
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        .order_by("pk")
    )


def retention_run(
    *, now: datetime | None = None, dry_run: bool = False, progress: Callable[[str], None] | None = None
) -> RetentionSummary:
    """Apply the retention periods (settings ``PANIER_RETENTION_*``), or count what would go.

    * customers with no order, login or sign-up within the customer
      period are erased as by ``account_erase`` (those with an order in
      progress are skipped);
    * guest orders (no account) older than that period, and closed, are
      anonymised the same way;
    * marketing consents with no contact from the person within the
      prospect period, and requests never confirmed after 30 days, are
      deleted;
    * audit entries older than the audit period are purged chain by chain.

    Each step runs in its own short transactions; the job can be rerun.
    """
    now = now or clock.now()
    report = progress or (lambda _message: None)
    summary = RetentionSummary(dry_run=dry_run)

    customer_cutoff = rules.retention_cutoff(now=now, days=settings.PANIER_RETENTION_CUSTOMER_DAYS)
    users = list(_inactive_customers(customer_cutoff).values_list("pk", flat=True))
    report(f"inactive customers: {len(users)}")
    for index, user_id in enumerate(users, start=1):
        if dry_run:
            summary.customers_erased += 1
            continue
        try:
            account_erase(user=User.objects.get(pk=user_id), now=now)
            summary.customers_erased += 1
        except ErasureBlocked:
            summary.customers_skipped_open_orders += 1
        if index % 100 == 0:
            report(f"  {index}/{len(users)} customers processed")

    guests = Order.objects.filter(user__isnull=True, placed_at__lt=customer_cutoff).exclude(email="").exclude(
        status__in=OPEN_ORDER_STATUSES
    )
    if dry_run:
        summary.guest_orders_anonymised = guests.count()
    else:
        with transaction.atomic():
            summary.guest_orders_anonymised = _orders_anonymise(guests)
    report(f"guest orders: {summary.guest_orders_anonymised}")

    prospect_cutoff = rules.retention_cutoff(now=now, days=settings.PANIER_RETENTION_PROSPECT_DAYS)
    stale = MarketingConsent.objects.filter(
        Q(last_contact_at__lt=prospect_cutoff)
        | Q(status=ConsentStatus.PENDING, requested_at__lt=rules.retention_cutoff(now=now, days=30))
    )
    if dry_run:
        summary.prospects_deleted = stale.count()
    else:
        summary.prospects_deleted, _ = stale.delete()
    report(f"marketing consents and prospects: {summary.prospects_deleted}")

    audit_cutoff = rules.retention_cutoff(now=now, days=settings.PANIER_RETENTION_AUDIT_DAYS)
    purged = audit_purge(before=audit_cutoff, dry_run=dry_run)
    summary.audit_entries_purged = sum(purged.values())
    for key, count in sorted(purged.items()):
        summary.details.append(f"audit {key}: {count}")
    report(f"audit entries: {summary.audit_entries_purged}")
    return summary
