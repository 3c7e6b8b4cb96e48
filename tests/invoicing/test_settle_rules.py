"""Pure settlement rules: what each line bills after packing and refunds, and how to get there."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from panier.invoicing import rules
from panier.invoicing.rules import FEE, BilledLine, Credited, DraftLine, LineAmounts, line_slot

RATES = (550, 1000, 2000)


@st.composite
def packed_orders(draw):
    """An invoiced order, packed (weighed heavier or lighter, missing, fewer) and captured within its authorisation."""
    n = draw(st.integers(1, 5))
    lines = []
    for i in range(n):
        ordered = draw(st.integers(1, 100_000))
        final = draw(
            st.one_of(
                st.just(ordered),
                st.just(0),
                st.integers(0, ordered),
                st.integers(ordered, ordered * 2),
            )
        )
        lines.append((LineAmounts(line_id=i + 1, ordered_cents=ordered, final_cents=final, refunded_cents=0),
                      draw(st.sampled_from(RATES))))
    fee = draw(st.sampled_from([0, 690, 1234]))
    ordered_total = sum(line.ordered_cents for line, _ in lines) + fee
    authorised = ordered_total + draw(st.integers(0, ordered_total))
    goods = sum(line.final_cents for line, _ in lines)
    final_total = goods + fee if goods else 0
    return lines, fee, min(final_total, authorised)


@settings(max_examples=300)
@given(packed_orders(), st.data())
def test_lines_and_fee_bill_exactly_the_capture_less_the_refunds(order, data):
    """Packed and captured: the targets add up to the capture; refunds come off their line and the fee exactly."""
    lines, fee, captured = order
    amounts = [line for line, _ in lines]

    targets = rules.billing_targets(
        lines=amounts, fee_cents=fee, captured_cents=captured, refunded_cents=0, cancelled=False
    )

    assert sum(targets.values()) == captured
    assert all(value >= 0 for value in targets.values())
    refunds = {line.line_id: data.draw(st.integers(0, targets[line_slot(line.line_id)])) for line in amounts}
    fee_refund = data.draw(st.integers(0, targets[FEE]))
    refunded = [LineAmounts(line.line_id, line.ordered_cents, line.final_cents, refunds[line.line_id]) for line in amounts]
    after = rules.billing_targets(
        lines=refunded, fee_cents=fee, captured_cents=captured,
        refunded_cents=sum(refunds.values()) + fee_refund, cancelled=False,
    )
    for line in amounts:
        assert after[line_slot(line.line_id)] == targets[line_slot(line.line_id)] - refunds[line.line_id]
    assert after[FEE] == targets[FEE] - fee_refund
    assert sum(after.values()) == captured - sum(refunds.values()) - fee_refund


def _invoice(lines, fee, fee_split):
    """The invoice issued at payment: ordered amounts, the fee in two lines (two rates)."""
    drafts = [
        DraftLine(key=("invoice_line", line.line_id), description="x", quantity=Decimal(1), rate_bp=rate,
                  gross_cents=line.ordered_cents)
        for line, rate in lines
    ]
    fee_parts = [fee_split, fee - fee_split]
    for i, (part, rate) in enumerate(zip(fee_parts, (550, 2000), strict=True)):
        drafts.append(DraftLine(key=("invoice_line", 100 + i), description="fee", quantity=Decimal(1), rate_bp=rate,
                                gross_cents=part, is_delivery=True))
    return rules.document_price(drafts)


@settings(max_examples=300)
@given(packed_orders(), st.data())
def test_settlement_reaches_the_targets_and_never_credits_more_than_invoiced(order, data):
    """Credits and supplements bring each slot to its target; the credit note prices within the invoice, per line and rate."""
    lines, fee, captured = order
    amounts = [line for line, _ in lines]
    targets = rules.billing_targets(
        lines=amounts, fee_cents=fee, captured_cents=captured, refunded_cents=0, cancelled=data.draw(st.booleans())
    )
    invoice = _invoice(lines, fee, data.draw(st.integers(0, fee)))
    billed = [
        BilledLine(invoice_line_id=line.key[1], invoice_id=1,
                   slot=FEE if line.is_delivery else line_slot(line.key[1]), left_cents=line.gross_cents)
        for line in invoice.lines
    ]

    plan = rules.settlement(billed=billed, targets=targets)

    now: dict = {}
    for row in billed:
        now[row.slot] = now.get(row.slot, 0) + row.left_cents - plan.credits.get(row.invoice_line_id, 0)
    for slot, amount in plan.supplements.items():
        assert slot != FEE
        assert amount > 0
        now[slot] += amount
    assert now == {slot: targets.get(slot, 0) for slot in now}
    by_id = {row.invoice_line_id: row for row in billed}
    assert all(0 < amount <= by_id[line_id].left_cents for line_id, amount in plan.credits.items())
    if plan.credits:
        gross_by_line = {("invoice_line", row.invoice_line_id): row.left_cents for row in billed}
        gross_by_rate: dict = {}
        for line in invoice.lines:
            gross_by_rate[(line.rate_bp, "S")] = gross_by_rate.get((line.rate_bp, "S"), 0) + line.gross_cents
        vat_by_rate = {(rate.rate_bp, "S"): rate.vat_cents for rate in invoice.breakdown.rates}
        rates = {line.key[1]: line.rate_bp for line in invoice.lines}
        credit = rules.credit_price(
            [DraftLine(key=("invoice_line", line_id), description="c", quantity=Decimal(1), rate_bp=rates[line_id],
                       gross_cents=amount) for line_id, amount in plan.credits.items()],
            invoiced=Credited(gross_by_line, gross_by_rate, vat_by_rate),
            credited=Credited({}, {}, {}),
        )
        for rate in credit.breakdown.rates:
            invoiced = next(r for r in invoice.breakdown.rates if r.rate_bp == rate.rate_bp)
            assert rate.gross_cents <= invoiced.gross_cents
            assert 0 <= rate.vat_cents <= invoiced.vat_cents
            assert rate.net_cents + rate.vat_cents == rate.gross_cents


def test_a_capture_below_the_weighed_amount_comes_off_the_heavier_lines():
    """Weighed 0.20 € above the estimate with 0.15 € of margin authorised: the heavier line bills 0.05 € less."""
    lines = [LineAmounts(1, 1800, 2000, 0), LineAmounts(2, 650, 650, 0)]

    targets = rules.billing_targets(lines=lines, fee_cents=690, captured_cents=1800 + 650 + 690 + 150,
                                    refunded_cents=0, cancelled=False)

    assert targets == {line_slot(1): 1950, line_slot(2): 650, FEE: 690}


def test_a_line_billed_too_much_is_credited_from_its_supplement_first():
    """A line on an invoice (1.00) and a supplement (0.30), refunded 0.50: the supplement is emptied, then 0.20 of the invoice."""
    billed = [BilledLine(11, 1, line_slot(7), 100), BilledLine(21, 2, line_slot(7), 30)]

    plan = rules.settlement(billed=billed, targets={line_slot(7): 80})

    assert plan.credits == {21: 30, 11: 20}
    assert plan.supplements == {}


@given(
    start=st.integers(0, 500_000),
    changes=st.lists(st.integers(-100_000, 100_000), max_size=8),
    rate=st.sampled_from((0, 210, 550, 1000, 2000)),
)
def test_family_vat_keeps_the_vat_of_all_documents_equal_to_the_vat_of_their_total(start, changes, rate):
    """Invoice, supplements and credit notes together always carry the VAT extracted once from what they bill."""
    from panier.tax.rules import vat_from_gross

    gross, vat = start, vat_from_gross(start, rate)
    for change in changes:
        change = max(change, -gross)
        document_vat = rules.family_vat(gross_cents=gross, vat_cents=vat, change_cents=change, rate_bp=rate)
        assert 0 <= document_vat <= max(abs(change), 0)
        gross += change
        vat += document_vat if change >= 0 else -document_vat
        assert vat == vat_from_gross(gross, rate)
