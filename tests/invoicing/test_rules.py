"""Pure invoicing rules: totals from lines, credit limits, series (vectors 4, 16)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.invoicing import rules
from panier.invoicing.rules import Credited, DraftLine
from panier.tax.rules import TaxLine, vat_breakdown


def line(key, gross, rate, **kw):
    return DraftLine(key=key, description=str(key), quantity=Decimal(1), rate_bp=rate, gross_cents=gross, **kw)


def test_invoice_of_the_mixed_basket_matches_the_vector():
    """Vector 4: goods HT 30.00 + 20.00, delivery HT 3.92 + 2.30; totals 56.22 + 6.33 = 62.55."""
    document = rules.document_price(
        [
            line("honey", 3165, 550),
            line("wine", 2400, 2000),
            line("fee-5.5", 414, 550, is_delivery=True),
            line("fee-20", 276, 2000, is_delivery=True),
        ]
    )

    assert (document.breakdown.net_cents, document.breakdown.vat_cents, document.breakdown.gross_cents) == (5622, 633, 6255)
    assert [ln.net_cents for ln in document.lines] == [3000, 2000, 392, 230]
    assert dict(document.breakdown.fee_by_rate) == {550: 414, 2000: 276}


def test_gap_in_a_series_is_reported():
    """Vector 16: the integrity check over {121, 122, 124} reports gap 123."""
    report = rules.sequence_check([121, 122, 124], first=121)

    assert report.gaps == (123,)
    assert report.duplicates == ()
    assert not report.ok
    assert rules.sequence_check([1, 2, 2, 3]).duplicates == (2,)
    assert rules.sequence_check([1, 2], last=4).gaps == (3, 4)
    assert rules.sequence_check([]).ok


def test_series_prefixes_and_numbers():
    """Vector 16: invoices HUB1-2026-000124, credit notes AV-HUB1-2026-000017, producers their own series."""
    code = rules.series_code("hub1")
    assert rules.number_format(rules.series_prefix(hub_code=code, year=2026, credit_note=False), 124) == "HUB1-2026-000124"
    assert rules.number_format(rules.series_prefix(hub_code=code, year=2026, credit_note=True), 17) == "AV-HUB1-2026-000017"
    assert rules.series_prefix(hub_code=code, year=2026, credit_note=False, producer_id=7) == "HUB1-P7-2026-"
    assert rules.series_code("nice-centre") == "NICECENTRE"


@pytest.mark.parametrize(("amount", "text"), [(0, "0.00"), (5, "0.05"), (1234, "12.34"), (-150, "-1.50")])
def test_amounts_for_exports(amount, text):
    """Cents are written with two decimals and a dot in exports."""
    assert rules.cents(amount) == text


rates = st.sampled_from([0, 550, 1000, 2000])
lines_strategy = st.lists(
    st.tuples(st.integers(0, 300_000), rates, st.booleans()), min_size=1, max_size=15
).map(lambda items: [line(i, g, r, is_delivery=d) for i, (g, r, d) in enumerate(items)])


@given(lines=lines_strategy)
def test_totals_are_the_sum_of_the_lines(lines):
    """Line nets add up to each rate's base; the document equals the checkout's VAT breakdown."""
    document = rules.document_price(lines)

    assert sum(ln.net_cents for ln in document.lines) == document.breakdown.net_cents
    assert sum(ln.gross_cents for ln in document.lines) == document.breakdown.gross_cents
    for r in document.breakdown.rates:
        assert sum(ln.net_cents for ln in document.lines if ln.rate_bp == r.rate_bp) == r.net_cents
    for ln in document.lines:
        assert 0 <= ln.net_cents <= ln.gross_cents
    expected = vat_breakdown([TaxLine(ln.gross_cents, ln.rate_bp) for ln in lines])
    assert [(r.rate_bp, r.net_cents, r.vat_cents) for r in document.breakdown.rates] == [
        (r.rate_bp, r.net_cents, r.vat_cents) for r in expected.rates
    ]


def _credited(documents):
    by_line, by_rate, vat = {}, {}, {}
    for document in documents:
        for ln in document.lines:
            by_line[ln.key] = by_line.get(ln.key, 0) + ln.gross_cents
            key = (ln.rate_bp, ln.vat_category)
            by_rate[key] = by_rate.get(key, 0) + ln.gross_cents
        for r in document.breakdown.rates:
            key = (r.rate_bp, "S")
            vat[key] = vat.get(key, 0) + r.vat_cents
    return Credited(by_line, by_rate, vat)


@given(lines=lines_strategy, requests=st.lists(st.tuples(st.integers(0, 14), st.integers(1, 400_000)), max_size=25))
def test_credit_notes_never_exceed_the_invoice(lines, requests):
    """Whatever partial credits are asked for, credited gross, net and VAT never exceed the invoice."""
    invoice = rules.document_price(lines)
    invoiced = _credited([invoice])
    notes = []
    for index, amount in requests:
        if index >= len(lines):
            continue
        target = invoice.lines[index]
        draft = line(target.key, amount, target.rate_bp)
        try:
            notes.append(rules.credit_price([draft], invoiced=invoiced, credited=_credited(notes)))
        except ValueError:
            left = target.gross_cents - _credited(notes).gross_by_line.get(target.key, 0)
            assert amount > left
    total = _credited(notes)
    for key, gross in total.gross_by_line.items():
        assert gross <= invoiced.gross_by_line[key]
    for key, vat in total.vat_by_rate.items():
        assert 0 <= vat <= invoiced.vat_by_rate[key]
        if total.gross_by_rate[key] == invoiced.gross_by_rate[key]:
            assert vat == invoiced.vat_by_rate[key]
    for note in notes:
        assert sum(ln.net_cents for ln in note.lines) == note.breakdown.net_cents
