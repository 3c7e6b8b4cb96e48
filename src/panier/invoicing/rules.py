"""Pure rules of invoicing: document totals, credit limits, numbering. No Django.

Rounding (docs/money.md): consumer documents use the VAT-inclusive
convention of :mod:`panier.tax.rules`: per rate, the VAT is extracted once
from the rate's total and the net is the rest. That net is then shared
among the lines of the rate in proportion to their gross amounts, so the
line nets add up exactly to the rate's base (EN 16931 BR-CO-10) and the
totals are always the sum of the lines.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from panier.orders.rules import unpaid_shares
from panier.tax.rules import Breakdown, RateTotal, vat_from_gross

NUMBER_DIGITS = 6


@dataclass(frozen=True, slots=True)
class DraftLine:
    """A line before its net amount is known."""

    key: Hashable
    description: str
    quantity: Decimal
    rate_bp: int
    gross_cents: int
    unit_code: str = "C62"
    vat_category: str = "S"
    is_delivery: bool = False
    net_cents: int | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """Priced lines and the VAT per rate of one document."""

    lines: tuple[DraftLine, ...]
    breakdown: Breakdown


def _share(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder); parts add up to ``total``."""
    weight_sum = sum(weights)
    if weight_sum == 0:
        parts = [0] * len(weights)
        if parts:
            parts[-1] = total
        return parts
    floors = [total * w // weight_sum for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for i in remainders[: total - sum(floors)]:
        floors[i] += 1
    return floors


def _rate_key(line: DraftLine) -> tuple[int, str]:
    return (line.rate_bp, line.vat_category)


def document_price(lines: Iterable[DraftLine], *, vat_by_rate: dict[tuple[int, str], int] | None = None) -> Document:
    """Price VAT-inclusive lines: VAT once per (rate, category), nets shared among lines.

    ``vat_by_rate`` forces the VAT of a rate (a credit note that closes an
    invoice takes exactly the VAT that is left).
    """
    lines = list(lines)
    for line in lines:
        if line.gross_cents < 0:
            raise ValueError("a line total cannot be negative")
    groups: dict[tuple[int, str], list[int]] = {}
    for index, line in enumerate(lines):
        groups.setdefault(_rate_key(line), []).append(index)
    priced: list[DraftLine | None] = [None] * len(lines)
    totals = []
    for key in sorted(groups):
        indexes = groups[key]
        gross = sum(lines[i].gross_cents for i in indexes)
        vat = vat_from_gross(gross, key[0])
        if vat_by_rate is not None and key in vat_by_rate:
            vat = vat_by_rate[key]
        net = gross - vat
        for i, part in zip(indexes, _share(net, [lines[i].gross_cents for i in indexes]), strict=True):
            priced[i] = replace(lines[i], net_cents=part)
        totals.append(RateTotal(rate_bp=key[0], gross_cents=gross, net_cents=net, vat_cents=vat))
    fee = {}
    for line in lines:
        if line.is_delivery:
            fee[line.rate_bp] = fee.get(line.rate_bp, 0) + line.gross_cents
    breakdown = Breakdown(rates=tuple(totals), fee_by_rate=tuple(sorted(fee.items())))
    return Document(lines=tuple(p for p in priced if p is not None), breakdown=breakdown)


@dataclass(frozen=True, slots=True)
class Credited:
    """What an invoice holds, or what was already credited, per line and per rate."""

    gross_by_line: dict[Hashable, int]
    gross_by_rate: dict[tuple[int, str], int]
    vat_by_rate: dict[tuple[int, str], int]


def credit_price(
    lines: Iterable[DraftLine],
    *,
    invoiced: Credited,
    credited: Credited,
    vat_wanted: dict[tuple[int, str], int] | None = None,
) -> Document:
    """Price a credit note; refuse to credit more than what is left.

    Raises ValueError when a line credits more than its invoice line's
    remaining gross. The VAT of a rate never exceeds the rate's remaining
    VAT, and a credit note that empties a rate takes exactly what is left,
    so credits never exceed the invoice, cent for cent. ``vat_wanted``
    asks for the VAT of some rates (see ``family_vat``), within those
    bounds.
    """
    lines = list(lines)
    new_by_line: dict[Hashable, int] = {}
    for line in lines:
        new_by_line[line.key] = new_by_line.get(line.key, 0) + line.gross_cents
    for key, amount in new_by_line.items():
        left = invoiced.gross_by_line.get(key, 0) - credited.gross_by_line.get(key, 0)
        if amount <= 0 or amount > left:
            raise ValueError(f"line {key!r}: {amount} exceeds what is left ({left})")
    forced: dict[tuple[int, str], int] = {}
    new_by_rate: dict[tuple[int, str], int] = {}
    for line in lines:
        new_by_rate[_rate_key(line)] = new_by_rate.get(_rate_key(line), 0) + line.gross_cents
    for key, gross in new_by_rate.items():
        vat_left = invoiced.vat_by_rate.get(key, 0) - credited.vat_by_rate.get(key, 0)
        gross_left = invoiced.gross_by_rate.get(key, 0) - credited.gross_by_rate.get(key, 0)
        wanted = (vat_wanted or {}).get(key, vat_from_gross(gross, key[0]))
        forced[key] = vat_left if gross == gross_left else max(0, min(wanted, vat_left, gross))
    return document_price(lines, vat_by_rate=forced)


def family_vat(*, gross_cents: int, vat_cents: int, change_cents: int, rate_bp: int) -> int:
    """The VAT of a document that changes a seller's billed gross at one rate by ``change_cents``.

    The invoice of an order, its supplements and their credit notes bill,
    together, ``gross_cents`` with ``vat_cents`` at the rate. The new
    document's VAT (positive, credited or billed) brings the VAT of the
    whole to the VAT extracted once from the new gross, so that the VAT
    per rate matches what the customer finally pays, to the cent, however
    many documents it took.
    """
    after = vat_from_gross(gross_cents + change_cents, rate_bp)
    return abs(after - vat_cents)


def series_code(slug: str) -> str:
    """The short upper-case code of a hub in its series prefixes."""
    return "".join(ch for ch in slug.upper() if ch.isalnum())[:10] or "PANIER"


def series_prefix(*, hub_code: str, year: int, credit_note: bool, producer_id: int | None = None) -> str:
    """``NICE-2026-`` for invoices, ``AV-NICE-2026-`` for credit notes, ``-P<id>`` for a producer."""
    seller = f"{hub_code}-P{producer_id}" if producer_id is not None else hub_code
    return f"{'AV-' if credit_note else ''}{seller}-{year}-"


def number_format(prefix: str, number: int) -> str:
    return f"{prefix}{number:0{NUMBER_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class SequenceReport:
    gaps: tuple[int, ...]
    duplicates: tuple[int, ...]

    @property
    def ok(self) -> bool:
        return not self.gaps and not self.duplicates


def sequence_check(numbers: Iterable[int], *, first: int = 1, last: int = 0) -> SequenceReport:
    """Find the missing and repeated numbers of a series from ``first`` to ``last``.

    ``last`` is the counter of the series: numbers taken but not found are gaps too.
    """
    seen: set[int] = set()
    duplicates = set()
    for n in numbers:
        if n in seen:
            duplicates.add(n)
        seen.add(n)
    end = max([last, *seen]) if seen or last else 0
    start = min([first, *seen])
    gaps = tuple(n for n in range(start, end + 1) if n not in seen)
    return SequenceReport(gaps, tuple(sorted(duplicates)))


def cents(amount: int) -> str:
    """``1234`` → ``"12.34"`` (exports and XML; never for display)."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    return f"{sign}{amount // 100}.{amount % 100:02d}"


def percent(rate_bp: int) -> str:
    """``550`` → ``"5.5"``, ``2000`` → ``"20"`` (XML rate percent)."""
    value = Decimal(rate_bp) / 100
    return format(value.normalize(), "f")


DAC7_MIN_SALES = 30
DAC7_MAX_EXCLUDED_CENTS = 200_000


def dac7_reportable(*, sales: int, consideration_cents: int) -> bool:
    """A seller of goods is reported unless it made fewer than 30 sales AND at most EUR 2,000.

    Directive 2021/514 ("did not exceed"): exactly EUR 2,000.00 with 29
    sales is excluded; 30 sales, or more than EUR 2,000.00, is reported.
    """
    return sales >= DAC7_MIN_SALES or consideration_cents > DAC7_MAX_EXCLUDED_CENTS


def month_parse(text: str) -> tuple[int, int]:
    """Parse ``2026-11`` into (2026, 11); ValueError otherwise."""
    year, sep, month = text.strip().partition("-")
    if not sep or not (year.isdigit() and month.isdigit()) or not 1 <= int(month) <= 12 or len(year) != 4:
        raise ValueError(f"not a month: {text!r} (expected e.g. 2026-11)")
    return int(year), int(month)


# Settling an order's documents ------------------------------------------------
#
# After packing, a refund or a cancellation, what the invoices of an order
# bill (invoices minus credit notes) must equal what the customer finally
# pays (captured minus refunded), per line and so per VAT rate. The
# targets below say what each line and the delivery fee should bill; the
# settlement says which credit notes and supplementary invoices get there.

FEE = ("fee",)


def line_slot(order_line_id: int) -> tuple[str, int]:
    return ("line", order_line_id)


@dataclass(frozen=True, slots=True)
class LineAmounts:
    """An order line's amounts: as ordered, once packed (None: not packed), refunded."""

    line_id: int
    ordered_cents: int
    final_cents: int | None
    refunded_cents: int


def _reduce(amount: int, caps: Sequence[int]) -> list[int]:
    """Take ``amount`` from parts capped by ``caps``, in proportion to the caps."""
    amount = max(0, min(amount, sum(caps)))
    return _share(amount, list(caps)) if amount else [0] * len(caps)


def billing_targets(
    *,
    lines: Sequence[LineAmounts],
    fee_cents: int,
    captured_cents: int | None,
    refunded_cents: int,
    cancelled: bool,
) -> dict[Hashable, int]:
    """Return what each line (``line_slot``) and the fee (``FEE``) should bill, VAT included.

    A packed line bills its final amount (weighed, missing or substituted
    items applied), an unpacked one its ordered amount; no goods left means
    no fee (``fulfilment.rules.final_total_cents``). A capture below that
    amount (weighed goods above the authorisation, never charged) is taken
    from the lines that came out heavier, then from the fee. Refunds are
    taken from their lines; what the payment refunded beyond the lines was
    the fee. A cancelled order bills nothing.
    """
    if cancelled:
        return {**{line_slot(line.line_id): 0 for line in lines}, FEE: 0}
    bases = [line.final_cents if line.final_cents is not None else line.ordered_cents for line in lines]
    packed = any(line.final_cents is not None for line in lines)
    fee = fee_cents if (sum(bases) or not packed) else 0
    taken, fee_taken = unpaid_shares(
        bases=bases, ordered=[line.ordered_cents for line in lines], fee_cents=fee, captured_cents=captured_cents
    )
    targets: dict[Hashable, int] = {}
    lines_refunded = 0
    for line, base, cut in zip(lines, bases, taken, strict=True):
        refunded = min(line.refunded_cents, base - cut)
        lines_refunded += refunded
        targets[line_slot(line.line_id)] = base - cut - refunded
    fee_left = fee - fee_taken
    targets[FEE] = fee_left - max(0, min(refunded_cents - lines_refunded, fee_left))
    return targets


@dataclass(frozen=True, slots=True)
class BilledLine:
    """An invoice line still billed: ``left`` is its gross minus what was credited on it."""

    invoice_line_id: int
    invoice_id: int
    slot: Hashable
    left_cents: int


@dataclass(frozen=True, slots=True)
class Settlement:
    """Credits per invoice line id, and supplements per line slot, in cents incl. VAT."""

    credits: dict[int, int]
    supplements: dict[Hashable, int]

    @property
    def is_empty(self) -> bool:
        return not self.credits and not self.supplements


def settlement(*, billed: Sequence[BilledLine], targets: dict[Hashable, int]) -> Settlement:
    """Say what to credit and what to bill again so that each slot bills its target.

    A line billing too much is credited from its latest document first (a
    supplementary invoice before the first invoice); the fee, split over
    rates, is credited in proportion. A line billing too little gets a
    supplement; the fee never does (it is never above what was ordered).
    Every credit stays within what is left on its invoice line.
    """
    by_slot: dict[Hashable, list[BilledLine]] = {}
    for line in billed:
        by_slot.setdefault(line.slot, []).append(line)
    credits: dict[int, int] = {}
    supplements: dict[Hashable, int] = {}
    for slot in sorted(set(by_slot) | set(targets), key=repr):
        rows = by_slot.get(slot, [])
        now = sum(row.left_cents for row in rows)
        target = max(0, targets.get(slot, now))
        if target > now and slot != FEE:
            supplements[slot] = target - now
        elif target < now:
            excess = now - target
            if slot == FEE:
                parts = _reduce(excess, [row.left_cents for row in rows])
            else:
                parts = []
                for row in sorted(rows, key=lambda r: (-r.invoice_id, -r.invoice_line_id)):
                    part = min(row.left_cents, excess)
                    parts.append(part)
                    excess -= part
                rows = sorted(rows, key=lambda r: (-r.invoice_id, -r.invoice_line_id))
            for row, part in zip(rows, parts, strict=True):
                if part:
                    credits[row.invoice_line_id] = credits.get(row.invoice_line_id, 0) + part
    return Settlement(credits=credits, supplements=supplements)
