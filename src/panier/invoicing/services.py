"""Issuing invoices and credit notes.

Numbers are taken from a :class:`NumberSequence` row by an UPDATE that
locks it until the end of the transaction that creates the document, so a
rolled-back issue gives its number back and two issues never share one.
The PDF is rendered after commit (or on first download) from the frozen
rows; it holds no lock.

Who issues: the hub in reseller mode; in marketplace mode each producer
(the seller of record of its lines) through the hub under a billing
mandate, and the hub for the delivery it provides. One invoice per seller
per order, enforced by a unique constraint.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from panier.core import clock
from panier.core.prefetch import prefetched_keep
from panier.core.sqlcache import KeptQuery, reuse_sql
from panier.core.transactions import update_returning
from panier.hubs.models import Hub, SellingMode, VatRegime
from panier.invoicing import rules
from panier.invoicing.documents import document_render
from panier.invoicing.errors import CreditExceedsInvoice, InvoiceNotFound, OrderNotInvoiceable
from panier.invoicing.models import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    IssuerKind,
    NumberSequence,
    Rounding,
)
from panier.orders.models import Order, OrderLine, OrderStatus, SellerOfRecord
from panier.orders.payment_services import order_payment
from panier.payments import rules as payment_rules
from panier.payments.models import OperationKind, PaymentOperation, PaymentStatus
from panier.tax import rules as tax_rules
from panier.tax.vat_numbers import INTRA_EU, MENTION_FRANCHISE, MENTION_INTRA_EU

logger = logging.getLogger(__name__)

NOT_INVOICEABLE = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAYMENT_FAILED)
HUB_KEY = "hub"
CATEGORY_INTRA_EU = INTRA_EU.category_code


def _number_take(*, hub: Hub, prefix: str) -> tuple[NumberSequence, int]:
    """Take the series' next number; its row stays locked until the commit. Call inside a transaction."""
    taken = _number_next(hub, prefix)
    if not taken:
        # The series' first number: create the row (another transaction
        # may create it at the same moment), then take from it.
        NumberSequence.objects.get_or_create(hub=hub, prefix=prefix)
        taken = _number_next(hub, prefix)
    sequence = taken[0]
    return sequence, sequence.last_number


def _number_next(hub: Hub, prefix: str) -> list[NumberSequence]:
    return update_returning(
        NumberSequence,
        assignments="last_number = last_number + 1",
        where="hub_id = %s AND prefix = %s",
        params=[hub.pk, prefix],
    )


def _local_date(moment: datetime, hub: Hub):
    return moment.astimezone(ZoneInfo(hub.timezone)).date()


def _seller_fields(hub: Hub, producer=None) -> dict:
    if producer is None:
        return dict(
            seller_name=hub.legal_name,
            seller_legal_form=hub.legal_form,
            seller_share_capital=hub.share_capital,
            seller_address=hub.address,
            seller_postal_code=hub.postal_code,
            seller_city=hub.city,
            seller_country=hub.country,
            seller_siret=hub.siret,
            seller_rcs=hub.rcs,
            seller_vat_number=hub.vat_number,
            seller_vat_regime=hub.vat_regime,
            seller_email=hub.email,
        )
    return dict(
        seller_name=producer.legal_name or producer.name,
        seller_address=producer.address,
        seller_postal_code=producer.postal_code,
        seller_city=producer.city,
        seller_country=hub.country,
        seller_siret=producer.siret,
        seller_vat_number=producer.vat_number,
        seller_vat_regime=producer.vat_regime,
        seller_email=producer.email,
        on_behalf_of=hub.legal_name,
    )


def _buyer_fields(order: Order) -> dict:
    """The customer as the invoice names it: a company (its VAT number and
    billing address) or a person, in the customer's own country."""
    address = ", ".join(filter(None, [order.address_line1, order.address_line2]))
    postal_code, city = order.postal_code, order.city
    if order.company_name and order.company_address:
        address, postal_code, city = order.company_address, "", ""
    return dict(
        buyer_name=order.company_name or order.customer_name,
        buyer_email=order.email,
        buyer_address=address,
        buyer_postal_code=postal_code,
        buyer_city=city,
        buyer_country=order.customer_country or order.hub.country,
        buyer_vat_number=order.company_vat_number if order.company_name else "",
    )


def _mentions(fields: Mapping, document: rules.Document | None = None) -> str:
    mentions = []
    if fields.get("seller_vat_regime") == VatRegime.FRANCHISE:
        mentions.append(MENTION_FRANCHISE)
    if document is not None and any(line.vat_category == CATEGORY_INTRA_EU for line in document.lines):
        mentions.append(MENTION_INTRA_EU)
    if fields.get("on_behalf_of"):
        mentions.append(
            f"Facture émise par {fields['on_behalf_of']} au nom et pour le compte de "
            f"{fields['seller_name']} (mandat de facturation)."
        )
    return "\n".join(mentions)


def _category(rate_bp: int, regime: str, *, intra_eu: bool = False) -> str:
    if regime == VatRegime.FRANCHISE:
        return "E"
    if intra_eu:
        return CATEGORY_INTRA_EU
    return "S" if rate_bp else "Z"


def _goods_lines(order_lines, regime: str, *, intra_eu: bool = False) -> list[rules.DraftLine]:
    drafts = []
    for line in order_lines:
        description = f"{line.product_name} {line.variant_label}".strip()
        if line.sold_by_weight and line.final_weight_g:
            description = f"{description} ({line.final_weight_g} g)"
        drafts.append(
            rules.DraftLine(
                key=("order_line", line.pk),
                description=description[:300],
                quantity=Decimal(line.quantity),
                rate_bp=line.tax_rate_bp,
                gross_cents=line.line_total_cents,
                vat_category=_category(line.tax_rate_bp, regime, intra_eu=intra_eu),
            )
        )
    return drafts


def _fee_description(rate: int, *, shared: bool, language: str) -> str:
    with translation.override(language):
        if not shared:
            return gettext("Delivery")
        return gettext("Delivery (share at %(rate)s %%)") % {"rate": rules.percent(rate)}


def _fee_lines(
    fee_cents: int, goods: list[rules.DraftLine], regime: str, *, language: str, intra_eu: bool = False
) -> list[rules.DraftLine]:
    """Delivery follows the goods it carries (tax.rules.split_fee); alone it is standard-rated.

    An exempt intra-EU supply's fee was charged net of VAT: it is exempt too.
    """
    if fee_cents <= 0:
        return []
    goods_net: dict[int, int] = {}
    for rate in {g.rate_bp for g in goods}:
        gross = sum(g.gross_cents for g in goods if g.rate_bp == rate)
        goods_net[rate] = gross - tax_rules.vat_from_gross(gross, rate)
    if regime == VatRegime.FRANCHISE or intra_eu:
        parts = {0: fee_cents}
    else:
        parts = tax_rules.split_fee(fee_cents, goods_net)
    return [
        rules.DraftLine(
            key=("delivery", rate),
            description=_fee_description(rate, shared=len(parts) > 1, language=language),
            quantity=Decimal(1),
            rate_bp=rate,
            gross_cents=part,
            vat_category=_category(rate, regime, intra_eu=intra_eu),
            is_delivery=True,
        )
        for rate, part in sorted(parts.items())
    ]


def _breakdown_json(document: rules.Document) -> list[dict]:
    categories = {line.rate_bp: line.vat_category for line in document.lines}
    rows = document.breakdown.as_list()
    for row in rows:
        row["category"] = categories.get(row["rate_bp"], "S")
    return rows


def _create(*, fields: dict, document: rules.Document, line_links: Mapping | None = None) -> Invoice:
    invoice = Invoice(
        **fields,
        net_cents=document.breakdown.net_cents,
        vat_cents=document.breakdown.vat_cents,
        gross_cents=document.breakdown.gross_cents,
        vat_breakdown=_breakdown_json(document),
        legal_mentions=_mentions(fields, document),
    )
    # Field values are checked here; uniqueness and the check constraints are
    # left to the database, which enforces them on insert anyway (asking it
    # first would cost a query per constraint on every paid order).
    invoice.full_clean(
        exclude=["pdf", "xml", "sequence", "order", "hub", "producer", "credited_invoice"],
        validate_unique=False,
        validate_constraints=False,
    )
    invoice.save()
    links = line_links or {}
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                position=position,
                order_line_id=line.key[1] if line.key[0] == "order_line" else None,
                credited_line_id=links.get(line.key),
                is_delivery=line.is_delivery,
                description=line.description,
                quantity=line.quantity,
                unit_code=line.unit_code,
                rate_bp=line.rate_bp,
                vat_category=line.vat_category,
                gross_cents=line.gross_cents,
                net_cents=line.net_cents or 0,
            )
            for position, line in enumerate(document.lines, start=1)
        ]
    )
    return invoice


def _render_later(invoice_ids: list[int]) -> None:
    def render() -> None:
        for invoice_id in invoice_ids:
            try:
                invoice_document_ensure(invoice_id=invoice_id)
            except Exception:
                # The document is rendered again on first download.
                logger.exception("invoice.render_failed", extra={"invoice_id": invoice_id})

    transaction.on_commit(render)


def invoice_issue_for_order(
    *,
    order: Order,
    now: datetime | None = None,
    render: bool = True,
    locked: bool = False,
    just_paid: bool = False,
) -> list[Invoice]:
    """Issue the invoices of a paid order: one per seller of record; return them.

    Idempotent: a second call returns the invoices already issued. Locks
    the order row, then each series row. Raises OrderNotInvoiceable for an
    order that was never paid. The PDFs are rendered after commit when
    ``render`` is true (and in any case on first download).

    ``locked``: the caller read ``order`` (with its hub and slot) under the
    order's lock in the transaction still open. The order is then not read
    again, and no savepoint is needed: every issuer takes that lock first,
    so no other one can be issuing the same invoices meanwhile.

    ``just_paid`` (with ``locked``): the caller has just moved the order from
    waiting for payment to paid, under that lock. No document can exist yet
    (none is issued before payment), so none is looked for; and as the new
    invoices are then all of the order's documents, ``order`` keeps them
    and the order lines read for them, for a page that shows them next.
    """
    if locked and transaction.get_connection().in_atomic_block:
        invoices = _issue_for_order(order.pk, now, locked=order, just_paid=just_paid)
        if render:
            _render_later([i.pk for i in invoices if i.pdf is None])
        return invoices
    try:
        with transaction.atomic():
            invoices = _issue_for_order(order.pk, now)
    except IntegrityError:
        # A concurrent call issued them first (unique per order and seller).
        invoices = list(Invoice.objects.filter(order_id=order.pk, kind=DocumentKind.INVOICE).order_by("pk"))
        if not invoices:
            raise
    if render:
        _render_later([i.pk for i in invoices if i.pdf is None])
    return invoices


_ORDER_LINES = KeptQuery(
    "invoicing.order_lines",
    lambda p: OrderLine.objects.select_related("producer").filter(order_id=p.int("order")).order_by("pk"),
)


def _issue_for_order(
    order_id: int, now: datetime | None, *, locked: Order | None = None, just_paid: bool = False
) -> list[Invoice]:
    order = locked or (
        Order.objects.select_for_update(of=("self",)).select_related("hub", "slot").filter(pk=order_id).first()
    )
    if order is None:
        raise InvoiceNotFound()
    just_paid = just_paid and locked is not None
    if not just_paid:
        existing = list(
            reuse_sql(
                Invoice.objects.filter(order=order, kind=DocumentKind.INVOICE).order_by("pk"), "invoicing.of_order"
            )
        )
        if existing:
            return existing
    if order.status in NOT_INVOICEABLE or order.paid_at is None:
        raise OrderNotInvoiceable()
    hub = order.hub
    groups: dict[str, list] = {}
    producers = {}
    order_lines = list(_ORDER_LINES(order=order.pk))
    for line in order_lines:
        key = HUB_KEY if line.seller_of_record == SellerOfRecord.HUB else f"producer:{line.producer_id}"
        groups.setdefault(key, []).append(line)
        producers[key] = line.producer
    if order.delivery_fee_cents and HUB_KEY not in groups:
        groups[HUB_KEY] = []
    hub_code = rules.series_code(hub.slug)
    invoices = []
    for key in sorted(groups, key=lambda k: (k != HUB_KEY, len(k), k)):
        producer = producers.get(key) if key != HUB_KEY else None
        seller = _seller_fields(hub, producer)
        regime = seller["seller_vat_regime"]
        intra_eu = order.is_intra_eu_exempt
        drafts = _goods_lines(groups[key], regime, intra_eu=intra_eu)
        if key == HUB_KEY:
            fee_goods = drafts if hub.selling_mode == SellingMode.RESELLER else []
            drafts += _fee_lines(
                order.delivery_fee_cents, fee_goods, regime, language=order.language or "fr", intra_eu=intra_eu
            )
        document = rules.document_price(drafts)
        issued_at = now or clock.now()
        prefix = rules.series_prefix(
            hub_code=hub_code,
            year=_local_date(issued_at, hub).year,
            credit_note=False,
            producer_id=producer.pk if producer else None,
        )
        sequence, number = _number_take(hub=hub, prefix=prefix)
        issued_at = now or clock.now()
        fields = dict(
            kind=DocumentKind.INVOICE,
            hub=hub,
            order=order,
            issuer_kind=IssuerKind.PRODUCER if producer else IssuerKind.HUB,
            producer=producer,
            seller_key=key,
            sequence=sequence,
            sequence_number=number,
            number=rules.number_format(prefix, number),
            issued_at=issued_at,
            issue_date=_local_date(issued_at, hub),
            supply_date=_local_date(order.slot.starts_at, hub),
            currency=order.currency,
            language=order.language[:2] or "fr",
            rounding=Rounding.GROSS,
            **seller,
            **_buyer_fields(order),
        )
        invoices.append(_create(fields=fields, document=document))
    if just_paid:
        # Lines in their default order (pk), invoices as ``invoices_for_order`` lists them.
        prefetched_keep(order, "lines", order_lines)
        prefetched_keep(order, "invoices", sorted(invoices, key=lambda invoice: (invoice.issued_at, invoice.pk)))
    logger.info("invoice.issued", extra={"order_id": order.pk, "count": len(invoices)})
    return invoices


def _sums(lines) -> rules.Credited:
    by_line: dict = {}
    by_rate: dict = {}
    for line in lines:
        key = ("invoice_line", line.credited_line_id or line.pk)
        by_line[key] = by_line.get(key, 0) + line.gross_cents
        rate = (line.rate_bp, line.vat_category)
        by_rate[rate] = by_rate.get(rate, 0) + line.gross_cents
    return rules.Credited(gross_by_line=by_line, gross_by_rate=by_rate, vat_by_rate={})


def _vat_by_rate(documents) -> dict:
    totals: dict = {}
    for document in documents:
        for row in document.vat_breakdown:
            key = (row["rate_bp"], row.get("category", "S"))
            totals[key] = totals.get(key, 0) + row["vat_cents"]
    return totals


def credit_note_issue(
    *,
    invoice: Invoice,
    reason: str,
    amounts: Mapping[int, int] | None = None,
    now: datetime | None = None,
    render: bool = True,
    source_key: str = "",
    vat_wanted: Mapping[tuple[int, str], int] | None = None,
) -> Invoice:
    """Issue a credit note against an invoice; return it.

    ``amounts`` maps invoice line ids to the VAT-inclusive cents credited;
    without it, everything not yet credited is. Locks the invoice row, so
    concurrent credit notes never credit more than was invoiced. With a
    ``source_key`` (e.g. ``refund:<operation id>``) the credit note is
    issued once per source and invoice: a second call returns the first
    one. Raises CreditExceedsInvoice.
    """
    with transaction.atomic():
        original = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("hub", "order", "producer")
            .filter(pk=invoice.pk, kind=DocumentKind.INVOICE)
            .first()
        )
        if original is None:
            raise InvoiceNotFound()
        if source_key:
            done = original.credit_notes.filter(source_key=source_key).first()
            if done is not None:
                return done
        invoiced_lines = list(original.lines.all())
        previous = list(original.credit_notes.all())
        credited_lines = list(InvoiceLine.objects.filter(invoice__in=previous))
        invoiced = _sums(invoiced_lines)
        credited = _sums(credited_lines)
        invoiced = rules.Credited(invoiced.gross_by_line, invoiced.gross_by_rate, _vat_by_rate([original]))
        credited = rules.Credited(credited.gross_by_line, credited.gross_by_rate, _vat_by_rate(previous))
        wanted = dict(amounts) if amounts is not None else {
            line.pk: line.gross_cents - credited.gross_by_line.get(("invoice_line", line.pk), 0)
            for line in invoiced_lines
        }
        by_id = {line.pk: line for line in invoiced_lines}
        drafts = []
        for line_id, amount in wanted.items():
            line = by_id.get(line_id)
            if line is None:
                raise CreditExceedsInvoice(field="amounts")
            if amount == 0 and amounts is None:
                continue
            drafts.append(
                rules.DraftLine(
                    key=("invoice_line", line.pk),
                    description=line.description,
                    quantity=line.quantity if amount == line.gross_cents else Decimal(1),
                    rate_bp=line.rate_bp,
                    gross_cents=amount,
                    unit_code=line.unit_code if amount == line.gross_cents else "C62",
                    vat_category=line.vat_category,
                    is_delivery=line.is_delivery,
                )
            )
        if not drafts:
            raise CreditExceedsInvoice("Nothing is left to credit on this invoice.")
        try:
            document = rules.credit_price(
                drafts, invoiced=invoiced, credited=credited, vat_wanted=dict(vat_wanted) if vat_wanted else None
            )
        except ValueError:
            raise CreditExceedsInvoice(field="amounts") from None
        hub = original.hub
        issued_at = now or clock.now()
        prefix = rules.series_prefix(
            hub_code=rules.series_code(hub.slug),
            year=_local_date(issued_at, hub).year,
            credit_note=True,
            producer_id=original.producer_id,
        )
        sequence, number = _number_take(hub=hub, prefix=prefix)
        issued_at = now or clock.now()
        copied = {
            name: getattr(original, name)
            for name in (
                "hub", "order", "issuer_kind", "producer", "seller_key", "currency", "language", "rounding",
                "supply_date", "seller_name", "seller_legal_form", "seller_share_capital", "seller_address",
                "seller_postal_code", "seller_city", "seller_country", "seller_siret", "seller_rcs",
                "seller_vat_number", "seller_vat_regime", "seller_email", "on_behalf_of", "buyer_name",
                "buyer_email", "buyer_address", "buyer_postal_code", "buyer_city", "buyer_country",
                "buyer_vat_number",
            )
        }
        fields = dict(
            copied,
            kind=DocumentKind.CREDIT_NOTE,
            credited_invoice=original,
            reason=reason[:300],
            source_key=source_key[:60],
            sequence=sequence,
            sequence_number=number,
            number=rules.number_format(prefix, number),
            issued_at=issued_at,
            issue_date=_local_date(issued_at, hub),
        )
        links = {line.key: line.key[1] for line in drafts}
        credit_note = _create(fields=fields, document=document, line_links=links)
    if render:
        _render_later([credit_note.pk])
    logger.info("credit_note.issued", extra={"invoice_id": original.pk, "credit_note_id": credit_note.pk})
    return credit_note


def credit_notes_issue_for_order(*, order: Order, reason: str, now: datetime | None = None) -> list[Invoice]:
    """Credit whatever is left on every invoice of an order (cancellation, full refund)."""
    notes = []
    for invoice in Invoice.objects.filter(order=order, kind=DocumentKind.INVOICE).order_by("pk"):
        try:
            notes.append(credit_note_issue(invoice=invoice, reason=reason, now=now))
        except CreditExceedsInvoice:
            continue
    return notes


def invoice_document_ensure(*, invoice_id: int) -> Invoice:
    """Return the document with its PDF and XML, rendering and storing them once."""
    invoice = (
        Invoice.objects.select_related("order", "credited_invoice", "hub").filter(pk=invoice_id).first()
    )
    if invoice is None:
        raise InvoiceNotFound()
    if invoice.pdf is not None:
        return invoice
    pdf, xml = document_render(invoice)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice_id)
        if locked.pdf is None:
            locked.pdf = pdf
            locked.xml = xml
            locked.save(update_fields=["pdf", "xml"])
    invoice.pdf, invoice.xml = (locked.pdf, locked.xml)
    return invoice


def invoices_issue_pending(*, limit: int = 500) -> int:
    """Invoice paid orders that have no invoice yet; return how many orders were invoiced.

    A safety net run periodically (``panier invoices issue --pending``): an
    order whose invoicing failed after payment is caught up. Idempotent.
    """
    pending = (
        Order.objects.filter(paid_at__isnull=False)
        .exclude(status__in=NOT_INVOICEABLE)
        .exclude(invoices__kind=DocumentKind.INVOICE)
        .order_by("paid_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for order_id in list(pending):
        invoice_issue_for_order(order=Order(pk=order_id), render=False)
        count += 1
    return count


# Settling the documents with the money ---------------------------------------

#: Snapshot fields a supplementary invoice does not copy from the invoice it completes.
_NOT_COPIED = frozenset(
    {
        "id", "public_id", "kind", "sequence", "sequence_number", "number", "credited_invoice",
        "preceding_invoice", "reason", "source_key", "issued_at", "issue_date", "net_cents", "vat_cents",
        "gross_cents", "vat_breakdown", "legal_mentions", "pdf", "xml",
    }
)


def _snapshot(original: Invoice) -> dict:
    """The frozen parties and settings of an invoice, for a document that completes it."""
    return {
        field.name: getattr(original, field.name)
        for field in Invoice._meta.concrete_fields
        if field.name not in _NOT_COPIED
    }


def _refund_pending(payment) -> bool:
    return PaymentOperation.objects.filter(payment=payment, kind=OperationKind.REFUND, status="pending").exists()


def _targets(order: Order, lines, payment) -> dict:
    captured = None
    refunded = 0
    voided = False
    if payment is not None:
        refunded = payment.refunded_cents
        voided = payment.status == PaymentStatus.CANCELLED
        if payment.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
            captured = payment.captured_cents
        elif payment.status == PaymentStatus.AUTHORISED and order.final_total_cents is not None:
            # Packed, capture on its way: it will take this much, never more.
            captured = payment_rules.capture_plan(
                authorised_cents=payment.amount_cents, final_cents=order.final_total_cents
            ).capture_cents
    return rules.billing_targets(
        lines=[
            rules.LineAmounts(
                line_id=line.pk,
                ordered_cents=line.line_total_cents,
                final_cents=line.final_total_cents,
                refunded_cents=line.refunded_cents,
            )
            for line in lines
        ],
        fee_cents=order.delivery_fee_cents,
        captured_cents=captured,
        refunded_cents=refunded,
        cancelled=order.status == OrderStatus.CANCELLED or voided,
    )


def _billed(invoices: list[Invoice]) -> tuple[list[rules.BilledLine], dict[int, InvoiceLine]]:
    issued = [i for i in invoices if i.kind == DocumentKind.INVOICE]
    lines = list(InvoiceLine.objects.filter(invoice__in=issued).order_by("pk"))
    credited: dict[int, int] = {}
    for credit in InvoiceLine.objects.filter(invoice__order_id=issued[0].order_id, credited_line__isnull=False):
        credited[credit.credited_line_id] = credited.get(credit.credited_line_id, 0) + credit.gross_cents
    billed = [
        rules.BilledLine(
            invoice_line_id=line.pk,
            invoice_id=line.invoice_id,
            slot=rules.line_slot(line.order_line_id) if line.order_line_id else rules.FEE,
            left_cents=line.gross_cents - credited.get(line.pk, 0),
        )
        for line in lines
    ]
    return billed, {line.pk: line for line in lines}


class _Families:
    """What each seller's invoice and its supplements bill together per rate, less their credit notes."""

    def __init__(self, documents: list[Invoice]):
        self.family = {d.pk: d.preceding_invoice_id or d.pk for d in documents if d.kind == DocumentKind.INVOICE}
        self.totals: dict = {}
        for document in documents:
            self.add(document)

    def add(self, document: Invoice) -> None:
        if document.kind == DocumentKind.INVOICE:
            self.family.setdefault(document.pk, document.preceding_invoice_id or document.pk)
        sign = -1 if document.is_credit_note else 1
        family = self.family[document.credited_invoice_id if document.is_credit_note else document.pk]
        for row in document.vat_breakdown:
            key = (family, (row["rate_bp"], row.get("category", "S")))
            gross, vat = self.totals.get(key, (0, 0))
            self.totals[key] = (gross + sign * row["gross_cents"], vat + sign * row["vat_cents"])

    def vat_wanted(
        self, invoice_id: int, changes: Mapping[tuple[int, str], int], ahead: Mapping | None = None
    ) -> dict:
        """The VAT per rate of a document changing the family's gross by ``changes`` (signed).

        ``ahead`` holds, per (family, rate), the signed gross and VAT of
        credit notes still to be issued whose VAT is already fixed (they
        empty their invoice's rate and take exactly its VAT left): they are
        counted as done, so that the family's VAT ends at the VAT of its
        final gross whichever document is issued first.
        """
        family = self.family[invoice_id]
        wanted = {}
        for rate_key, change in changes.items():
            gross, vat = self.totals.get((family, rate_key), (0, 0))
            more_gross, more_vat = (ahead or {}).get((family, rate_key), (0, 0))
            gross, vat = gross + more_gross, vat + more_vat
            wanted[rate_key] = rules.family_vat(
                gross_cents=gross, vat_cents=vat, change_cents=change, rate_bp=rate_key[0]
            )
        return wanted


def _fixed_credits(invoices: list[Invoice], changes_of: Mapping[int, Mapping]) -> dict:
    """The credit notes about to empty a rate of their invoice: (invoice id, rate) → (−gross, −VAT left).

    Such a credit note takes exactly the VAT left on that rate of its
    invoice (``rules.credit_price``), whatever the family would want.
    """
    left: dict = {}
    for document in invoices:
        target = document.credited_invoice_id if document.is_credit_note else document.pk
        sign = -1 if document.is_credit_note else 1
        for row in document.vat_breakdown:
            key = (target, (row["rate_bp"], row.get("category", "S")))
            gross, vat = left.get(key, (0, 0))
            left[key] = (gross + sign * row["gross_cents"], vat + sign * row["vat_cents"])
    fixed = {}
    for invoice_id, changes in changes_of.items():
        for rate_key, change in changes.items():
            gross, vat = left.get((invoice_id, rate_key), (0, 0))
            if change == -gross:
                fixed[(invoice_id, rate_key)] = (-gross, -vat)
    return fixed


def _supplement_issue(
    *,
    original: Invoice,
    order_lines: list,
    amounts: dict[int, int],
    reason: str,
    source_key: str,
    now: datetime,
    families: _Families,
) -> Invoice:
    """Bill more on a supplementary invoice that completes ``original`` (same seller, same series)."""
    done = original.supplements.filter(source_key=source_key).first()
    if done is not None:
        return done
    by_id = {line.pk: line for line in order_lines}
    regime = original.seller_vat_regime
    drafts = []
    with translation.override(original.language or "fr"):
        for line_id, amount in sorted(amounts.items()):
            line = by_id[line_id]
            item = f"{line.product_name} {line.variant_label}".strip()
            if line.sold_by_weight and line.final_weight_g:
                item = f"{item} ({line.final_weight_g} g)"
            drafts.append(
                rules.DraftLine(
                    key=("order_line", line.pk),
                    description=(gettext("Supplement: %(item)s") % {"item": item})[:300],
                    quantity=Decimal(1),
                    rate_bp=line.tax_rate_bp,
                    gross_cents=amount,
                    vat_category=_category(line.tax_rate_bp, regime),
                )
            )
    changes: dict = {}
    for draft in drafts:
        key = (draft.rate_bp, draft.vat_category)
        changes[key] = changes.get(key, 0) + draft.gross_cents
    wanted = families.vat_wanted(original.pk, changes)
    document = rules.document_price(drafts, vat_by_rate={k: min(v, changes[k]) for k, v in wanted.items()})
    hub = original.hub
    prefix = rules.series_prefix(
        hub_code=rules.series_code(hub.slug),
        year=_local_date(now, hub).year,
        credit_note=False,
        producer_id=original.producer_id,
    )
    sequence, number = _number_take(hub=hub, prefix=prefix)
    fields = dict(
        _snapshot(original),
        kind=DocumentKind.INVOICE,
        preceding_invoice=original,
        reason=reason[:300],
        source_key=source_key[:60],
        sequence=sequence,
        sequence_number=number,
        number=rules.number_format(prefix, number),
        issued_at=now,
        issue_date=_local_date(now, hub),
    )
    return _create(fields=fields, document=document)


def order_documents_settle(
    *,
    order_id: int,
    reason: str,
    source_key: str,
    now: datetime | None = None,
    render: bool = True,
    line_ids: list[int] | tuple[int, ...] | None = None,
    fee: bool = True,
) -> list[Invoice]:
    """Make the order's invoices bill what the customer finally pays; return the new documents.

    After packing (weighed, missing and substituted items), a refund or a
    cancellation, each line and the fee must bill, invoices minus credit
    notes, what ``rules.billing_targets`` says: so, per VAT rate, the sum
    of the invoices minus the credit notes equals the capture minus the
    refunds. What bills too much is credited by one credit note per
    invoice concerned (each referencing its invoice, issued by the same
    seller); what bills too little is billed by a supplementary invoice
    per seller, referencing the seller's invoice.

    ``line_ids`` (and ``fee``) limit the settlement to what one event
    touched, e.g. the lines a refund gave money back for, so that each
    refund gets its own credit note even while another refund of the
    order is still at the provider. Without ``line_ids`` the whole order
    is settled, and nothing is done while a refund of its payment is
    still waiting for the provider (a later settle, e.g. ``panier
    invoices settle``, catches it up).

    Locks the order row, then the invoice and series rows, in one
    transaction: settling twice, or two settles at once, issue the
    documents once (``source_key`` names the event and backs it with a
    unique constraint). Does nothing for an order without invoice.
    """
    now = now or clock.now()
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("hub").filter(pk=order_id).first()
        if order is None:
            raise InvoiceNotFound()
        invoices = list(Invoice.objects.filter(order=order).defer("pdf", "xml").order_by("pk"))
        if not any(i.kind == DocumentKind.INVOICE for i in invoices):
            return []
        payment = order_payment(order=order)
        if line_ids is None and payment is not None and _refund_pending(payment):
            logger.info("invoice.settle_deferred", extra={"order_id": order.pk})
            return []
        order_lines = list(order.lines.order_by("pk"))
        billed, invoice_lines = _billed(invoices)
        targets = _targets(order, order_lines, payment)
        if line_ids is not None:
            chosen = {rules.line_slot(pk) for pk in line_ids} | ({rules.FEE} if fee else set())
            targets = {slot: value for slot, value in targets.items() if slot in chosen}
            billed = [row for row in billed if row.slot in chosen]
        plan = rules.settlement(billed=billed, targets=targets)
        if plan.is_empty:
            return []
        issued: list[Invoice] = []
        by_invoice: dict[int, dict[int, int]] = {}
        for line_id, amount in sorted(plan.credits.items()):
            by_invoice.setdefault(invoice_lines[line_id].invoice_id, {})[line_id] = amount
        by_pk = {i.pk: i for i in invoices}
        families = _Families(invoices)
        changes_of: dict[int, dict] = {}
        for invoice_id, amounts in by_invoice.items():
            changes = changes_of.setdefault(invoice_id, {})
            for line_id, amount in amounts.items():
                key = (invoice_lines[line_id].rate_bp, invoice_lines[line_id].vat_category)
                changes[key] = changes.get(key, 0) - amount
        fixed = _fixed_credits(invoices, changes_of)
        for invoice_id, amounts in sorted(by_invoice.items()):
            ahead: dict = {}
            for (other, rate_key), (gross, vat) in fixed.items():
                if other != invoice_id:
                    key = (families.family[other], rate_key)
                    ahead[key] = (ahead.get(key, (0, 0))[0] + gross, ahead.get(key, (0, 0))[1] + vat)
            note = credit_note_issue(
                invoice=by_pk[invoice_id], reason=reason, amounts=amounts, now=now, render=False,
                source_key=source_key, vat_wanted=families.vat_wanted(invoice_id, changes_of[invoice_id], ahead),
            )
            families.add(note)
            fixed = {slot: value for slot, value in fixed.items() if slot[0] != invoice_id}
            issued.append(note)
        firsts = {
            line.order_line_id: by_pk[line.invoice_id]
            for line in invoice_lines.values()
            if line.order_line_id and by_pk[line.invoice_id].preceding_invoice_id is None
        }
        by_seller: dict[int, dict[int, int]] = {}
        for slot, amount in sorted(plan.supplements.items()):
            original = firsts[slot[1]]
            by_seller.setdefault(original.pk, {})[slot[1]] = amount
        for original_id, amounts in sorted(by_seller.items()):
            supplement = _supplement_issue(
                original=by_pk[original_id], order_lines=order_lines, amounts=amounts, reason=reason,
                source_key=source_key, now=now, families=families,
            )
            families.add(supplement)
            issued.append(supplement)
    if render:
        _render_later([document.pk for document in issued])
    logger.info("invoice.settled", extra={"order_id": order_id, "documents": len(issued)})
    return issued


def documents_settle_pending(*, now: datetime | None = None, days: int = 90) -> int:
    """Settle the documents of recent orders whose money moved; return how many documents were issued.

    A safety net run periodically (``panier invoices settle``): a refund
    made without its credit note (the process stopped in between, or a
    refund still pending at the provider then) is credited here.
    Idempotent: a settled order issues nothing.
    """
    now = now or clock.now()
    since = now - timedelta(days=days)
    candidates = (
        Order.objects.filter(paid_at__gte=since, invoices__kind=DocumentKind.INVOICE)
        .filter(
            Q(final_total_cents__isnull=False)
            | Q(status__in=(OrderStatus.CANCELLED, OrderStatus.REFUNDED))
            | Q(lines__refunded_cents__gt=0)
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for order_id in list(candidates):
        # The key names the state settled: the documents issued so far.
        documents = Invoice.objects.filter(order_id=order_id).count()
        count += len(
            order_documents_settle(
                order_id=order_id, reason="Régularisation", source_key=f"settle:{documents}", now=now, render=False
            )
        )
    return count
