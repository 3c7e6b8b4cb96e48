"""The retention job: dry run, then erasure of what outlived its period."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from panier.accounts.models import User
from panier.audit.models import AuditEntry
from panier.audit.services import audit_record
from panier.orders.models import Order
from panier.privacy.models import MarketingConsent
from panier.privacy.services import consent_request
from tests import factories


def _setup(shop):
    long_ago = timezone.now() - timedelta(days=4 * 365)
    dormant = factories.user(email="dormant@example.org")
    User.objects.filter(pk=dormant.pk).update(date_joined=long_ago, last_login=long_ago)
    active = factories.user(email="active@example.org")
    User.objects.filter(pk=active.pk).update(date_joined=long_ago, last_login=timezone.now())
    guest = factories.placed_order(shop, [(0, 1)], email="guest@example.org")
    Order.objects.filter(pk=guest.pk).update(placed_at=long_ago, status="delivered")
    prospect = consent_request(hub=shop.hub, email="prospect@example.org", source="footer")
    MarketingConsent.objects.filter(pk=prospect.pk).update(status="confirmed", last_contact_at=long_ago)
    audit_record(action="view", object_type="order", hub=shop.hub, now=long_ago)
    audit_record(action="view", object_type="order", hub=shop.hub)
    return dormant, active, guest


def test_dry_run_counts_and_changes_nothing(shop):
    """--dry-run prints what would go and leaves every row in place."""
    dormant, _active, guest = _setup(shop)
    out = io.StringIO()

    call_command("privacy", "retention", "--dry-run", stdout=out)

    text = out.getvalue()
    assert "customers erased: 1 (would be erased)" in text
    assert "guest orders anonymised: 1" in text
    assert "marketing consents and prospects deleted: 1" in text
    assert "audit entries purged: 1" in text
    assert User.objects.get(pk=dormant.pk).is_active
    assert Order.objects.get(pk=guest.pk).email == "guest@example.org"


def test_retention_erases_what_outlived_its_period(shop):
    """Inactive customers, old guest orders, stale prospects and old audit entries go; the rest stays."""
    dormant, active, guest = _setup(shop)

    call_command("privacy", "retention", stdout=io.StringIO())

    assert not User.objects.get(pk=dormant.pk).is_active
    assert User.objects.get(pk=active.pk).is_active
    assert User.objects.get(pk=shop.operator.pk).is_active  # staff are never swept
    assert Order.objects.get(pk=guest.pk).email == ""
    assert Order.objects.get(pk=guest.pk).total_cents == guest.total_cents
    assert not MarketingConsent.objects.exists()
    assert list(AuditEntry.objects.filter(hub=shop.hub).order_by("seq").values_list("action", flat=True)) == [
        "view", "purge"]
    call_command("audit", "verify", stdout=io.StringIO())
