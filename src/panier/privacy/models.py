"""Marketing consent and the personal data breach register."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.hubs.models import Hub


class ConsentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MarketingConsent(models.Model):
    """Consent to a hub's newsletter, given with double opt-in (CPCE L34-5).

    The record keeps what was agreed to (text version and text), where
    (source), and when it was asked, confirmed and withdrawn.
    """

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="marketing_consents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="marketing_consents"
    )
    email = models.EmailField(_("e-mail"))
    status = models.CharField(max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.PENDING)
    source = models.CharField(max_length=40)
    text_version = models.CharField(max_length=20)
    text = models.TextField()
    language = models.CharField(max_length=8, default="fr")
    confirm_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unsubscribe_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    last_contact_at = models.DateTimeField(
        help_text=_("Last contact initiated by the person (start of the retention period).")
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "email"], name="marketingconsent_hub_email_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.hub_id}:{self.status}"


class BreachRisk(models.TextChoices):
    UNLIKELY = "unlikely", _("Unlikely to result in a risk (register only)")
    RISK = "risk", _("Risk: notify the CNIL")
    HIGH = "high", _("High risk: notify the CNIL and the people affected")


class Breach(models.Model):
    """An entry of the breach register (GDPR art. 33(5)): every breach, notified or not."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="breaches")
    detected_at = models.DateTimeField(_("detected at"))
    nature = models.TextField(_("nature of the breach"))
    data_categories = models.TextField(_("categories of data affected"))
    people_affected = models.PositiveIntegerField(_("approximate number of people affected"))
    records_affected = models.PositiveIntegerField(_("approximate number of records affected"), default=0)
    consequences = models.TextField(_("likely consequences"), blank=True)
    measures = models.TextField(_("measures taken or proposed"), blank=True)
    risk = models.CharField(_("risk"), max_length=10, choices=BreachRisk.choices, default=BreachRisk.RISK)
    cnil_notified_at = models.DateTimeField(_("notified to the CNIL at"), null=True, blank=True)
    delay_reason = models.TextField(_("reasons for a notification after 72 hours"), blank=True)
    people_notified_at = models.DateTimeField(_("people informed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-detected_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(people_affected__gte=0), name="breach_people_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Breach {self.pk} ({self.hub_id})"
