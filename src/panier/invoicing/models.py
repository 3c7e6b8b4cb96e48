"""Invoices and credit notes: numbered without gaps, never changed once issued.

A document is issued with its lines, totals and a snapshot of both
parties in one transaction that takes its number from a locked
:class:`NumberSequence` row (compliance facts §3.3: a database SEQUENCE
leaves gaps on rollback). The PDF/A-3 with its Factur-X XML is rendered
from those frozen rows and stored once; nothing else may be written or
deleted afterwards: errors are corrected with a credit note.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.hubs.models import Hub
from panier.invoicing.errors import InvoiceImmutable
from panier.orders.models import Order, OrderLine
from panier.producers.models import Producer

DOCUMENT_FIELDS = frozenset({"pdf", "xml"})


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class IssuerKind(models.TextChoices):
    HUB = "hub", _("The hub")
    PRODUCER = "producer", _("A producer")


class Rounding(models.TextChoices):
    """Where VAT is rounded (docs/money.md, compliance facts §2.2)."""

    GROSS = "gross", _("VAT extracted per rate from prices including VAT")
    NET = "net", _("VAT computed per rate on net amounts (EN 16931 BR-CO-17)")


class ImmutableQuerySet(models.QuerySet):
    """Bulk updates and deletes would bypass the per-row guard: both refuse."""

    def update(self, **kwargs):
        raise InvoiceImmutable()

    def delete(self):
        raise InvoiceImmutable()


class NumberSequence(models.Model):
    """One continuous series of numbers, e.g. ``NICE-2026-`` or ``AV-NICE-2026-``.

    The row is locked (by the UPDATE that takes a number) until the
    document that uses the number is committed or rolled back.
    """

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="number_sequences")
    prefix = models.CharField(max_length=40)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hub", "prefix"], name="numbersequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.last_number:06d}"


class Invoice(models.Model):
    """An issued invoice or credit note, with frozen seller and buyer details."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=DocumentKind.choices, default=DocumentKind.INVOICE)
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="invoices")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    issuer_kind = models.CharField(max_length=10, choices=IssuerKind.choices)
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    seller_key = models.CharField(max_length=30, help_text=_("'hub' or 'producer:<id>'"))
    sequence = models.ForeignKey(NumberSequence, on_delete=models.PROTECT, related_name="documents")
    sequence_number = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=50)
    credited_invoice = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    # A supplementary invoice (the weighed goods came out heavier) bills
    # more for the same order and seller and refers to the first invoice.
    preceding_invoice = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supplements"
    )
    reason = models.CharField(max_length=300, blank=True)
    # What made the document, e.g. "refund:<operation id>" or "packing": a
    # document is issued once per source and corrected invoice.
    source_key = models.CharField(max_length=60, blank=True)
    issued_at = models.DateTimeField()
    issue_date = models.DateField(_("issue date"))
    supply_date = models.DateField(_("date of supply"), null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    language = models.CharField(max_length=8, default="fr")
    rounding = models.CharField(max_length=8, choices=Rounding.choices, default=Rounding.GROSS)

    seller_name = models.CharField(max_length=200)
    seller_legal_form = models.CharField(max_length=50, blank=True)
    seller_share_capital = models.CharField(max_length=50, blank=True)
    seller_address = models.CharField(max_length=200, blank=True)
    seller_postal_code = models.CharField(max_length=10, blank=True)
    seller_city = models.CharField(max_length=100, blank=True)
    seller_country = models.CharField(max_length=2, default="FR")
    seller_siret = models.CharField(max_length=14, blank=True)
    seller_rcs = models.CharField(max_length=100, blank=True)
    seller_vat_number = models.CharField(max_length=20, blank=True)
    seller_vat_regime = models.CharField(max_length=20)
    seller_email = models.EmailField(blank=True)
    on_behalf_of = models.CharField(
        max_length=200, blank=True, help_text=_("The platform issuing in the seller's name (billing mandate).")
    )

    buyer_name = models.CharField(max_length=200)
    buyer_email = models.EmailField(blank=True)
    buyer_address = models.CharField(max_length=300, blank=True)
    buyer_postal_code = models.CharField(max_length=10, blank=True)
    buyer_city = models.CharField(max_length=100, blank=True)
    buyer_country = models.CharField(max_length=2, default="FR")
    buyer_vat_number = models.CharField(max_length=20, blank=True)

    net_cents = models.BigIntegerField()
    vat_cents = models.BigIntegerField()
    gross_cents = models.BigIntegerField()
    vat_breakdown = models.JSONField(default=list)
    legal_mentions = models.TextField(blank=True)

    pdf = models.BinaryField(null=True, editable=False)
    xml = models.BinaryField(null=True, editable=False)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["hub", "issue_date"]), models.Index(fields=["order", "kind"])]
        constraints = [
            models.UniqueConstraint(fields=["hub", "number"], name="invoice_number_unique"),
            models.UniqueConstraint(fields=["sequence", "sequence_number"], name="invoice_sequence_unique"),
            models.UniqueConstraint(
                fields=["order", "seller_key"],
                condition=models.Q(kind="invoice", preceding_invoice__isnull=True),
                name="invoice_one_per_seller_per_order",
            ),
            models.UniqueConstraint(
                fields=["credited_invoice", "source_key"],
                condition=models.Q(kind="credit_note") & ~models.Q(source_key=""),
                name="credit_note_once_per_source",
            ),
            models.UniqueConstraint(
                fields=["preceding_invoice", "source_key"],
                condition=models.Q(kind="invoice") & ~models.Q(source_key=""),
                name="supplement_once_per_source",
            ),
            models.CheckConstraint(
                condition=models.Q(gross_cents=models.F("net_cents") + models.F("vat_cents")),
                name="invoice_gross_is_net_plus_vat",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="invoice", credited_invoice__isnull=True)
                | models.Q(kind="credit_note", credited_invoice__isnull=False),
                name="invoice_credit_note_references_invoice",
            ),
            models.CheckConstraint(
                condition=models.Q(preceding_invoice__isnull=True) | models.Q(kind="invoice"),
                name="invoice_only_invoices_supplement",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (update_fields is None or not set(update_fields) <= DOCUMENT_FIELDS):
            raise InvoiceImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise InvoiceImmutable()

    @property
    def is_credit_note(self) -> bool:
        return self.kind == DocumentKind.CREDIT_NOTE

    @property
    def is_supplement(self) -> bool:
        return self.preceding_invoice_id is not None

    @property
    def referenced_invoice(self) -> "Invoice | None":
        """The invoice this document corrects or completes (BT-25), if any."""
        return self.credited_invoice or self.preceding_invoice

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


class InvoiceLine(models.Model):
    """A frozen line: what, how many, at which rate, totals with and without VAT."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    credited_line = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credits"
    )
    is_delivery = models.BooleanField(default=False)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_code = models.CharField(max_length=3, default="C62", help_text=_("UN/ECE rec. 20: C62 unit, KGM kg"))
    rate_bp = models.PositiveIntegerField()
    vat_category = models.CharField(max_length=2, default="S")
    gross_cents = models.BigIntegerField()
    net_cents = models.BigIntegerField()

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoiceline_position_unique"),
            models.CheckConstraint(condition=models.Q(gross_cents__gte=0), name="invoiceline_gross_positive"),
            models.CheckConstraint(condition=models.Q(net_cents__gte=0), name="invoiceline_net_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} #{self.position} {self.description}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise InvoiceImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise InvoiceImmutable()
