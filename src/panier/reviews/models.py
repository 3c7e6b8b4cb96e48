from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.catalog.models import Product
from panier.hubs.models import Hub
from panier.orders.models import OrderLine
from panier.producers.models import Producer
from panier.reviews import rules


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Refused")


class RefusalReason(models.TextChoices):
    OFF_TOPIC = "off_topic", _("It does not describe the product or the purchase")
    ABUSIVE = "abusive", _("Insulting, discriminatory or defamatory content")
    PERSONAL_DATA = "personal_data", _("It contains personal data")
    ADVERTISING = "advertising", _("Advertising or links to other sites")
    NOT_AUTHENTIC = "not_authentic", _("Doubt about its authenticity")
    OTHER = "other", _("Other reason (explained below)")


class ReportReason(models.TextChoices):
    FAKE = "fake", _("I doubt it is genuine")
    ABUSIVE = "abusive", _("Insulting or defamatory")
    PERSONAL_DATA = "personal_data", _("It reveals personal data")
    OTHER = "other", _("Other")


class Review(models.Model):
    """A rating and opinion on a product, tied to the order line it was bought on."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="reviews")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    author_name = models.CharField(max_length=120)
    rating = models.PositiveSmallIntegerField(_("rating"))
    title = models.CharField(_("title"), max_length=120, blank=True)
    body = models.TextField(_("review"), max_length=2000)
    status = models.CharField(max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    experienced_at = models.DateTimeField(help_text=_("When the product was delivered to the author."))
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    account_created_at = models.DateTimeField()
    network_hash = models.CharField(max_length=64, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["product", "status", "published_at"]),
            models.Index(fields=["hub", "status"]),
            models.Index(fields=["hub", "created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order_line"], name="review_one_per_order_line"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=rules.MIN_RATING, rating__lte=rules.MAX_RATING),
                name="review_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="review_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk} ({self.rating}/5)"


class ModerationDecision(models.Model):
    """The moderation log: every decision on a review, with its reason."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.CharField(max_length=20, choices=RefusalReason.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    flags = models.JSONField(default=list, help_text=_("Fraud signals shown when the decision was taken."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.decision}"


class ReviewReport(models.Model):
    """Someone's doubt about a published review, waiting for a moderator."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("reason"), max_length=20, choices=ReportReason.choices)
    details = models.TextField(_("details"), max_length=1000, blank=True)
    email = models.EmailField(_("your e-mail (optional)"), blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["review", "resolved_at"])]

    def __str__(self) -> str:
        return f"Report {self.pk} on review {self.review_id}"


class ReviewReply(models.Model):
    """The producer's public answer to a review (one per review)."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="review_replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("reply"), max_length=2000)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Reply to review {self.review_id}"
