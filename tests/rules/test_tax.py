"""VAT rules: the worked examples of the compliance notes and invariants."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.tax import rules
from panier.tax.rules import TaxLine, split_fee, vat_breakdown, vat_from_gross

RATES = [0, 210, 550, 1000, 2000]


@pytest.mark.parametrize(
    ("gross", "rate", "vat", "net"),
    [
        (1055, 550, 55, 1000),  # vector 1: jar of honey
        (330, 1000, 30, 300),  # vector 2: prepared dish
        (3165, 550, 165, 3000),  # vector 4: the 5.5 % goods
        (2400, 2000, 400, 2000),  # vector 4: the 20 % goods
        (414, 550, 22, 392),  # vector 4: delivery share at 5.5 %
        (276, 2000, 46, 230),  # vector 4: delivery share at 20 %
        (0, 2000, 0, 0),
        (999, 0, 0, 999),
    ],
)
def test_vat_is_extracted_from_the_vat_inclusive_price(gross, rate, vat, net):
    """The VAT of a TTC amount is rounded half up once; HT is TTC minus VAT."""
    assert vat_from_gross(gross, rate) == vat
    assert gross - vat_from_gross(gross, rate) == net


@pytest.mark.parametrize(
    ("gross", "rate"),
    [(1055, 550), (330, 1000)],
)
def test_a_single_rate_basket_gives_the_worked_example(gross, rate):
    """One line of vectors 1 and 2 gives one rate bucket with the documented split."""
    breakdown = vat_breakdown([TaxLine(gross_cents=gross, rate_bp=rate)])

    assert breakdown.as_list() == [
        {
            "rate_bp": rate,
            "gross_cents": gross,
            "net_cents": gross - vat_from_gross(gross, rate),
            "vat_cents": vat_from_gross(gross, rate),
        }
    ]
    assert breakdown.fee_by_rate == ()


def test_mixed_basket_with_delivery_matches_vector_4():
    """Goods at 5.5 % and 20 % with a 6.90 delivery: fee 4.14/2.76, HT 56.22, VAT 6.33, TTC 62.55."""
    lines = [TaxLine(gross_cents=3165, rate_bp=550), TaxLine(gross_cents=2400, rate_bp=2000)]

    assert split_fee(690, {550: 3000, 2000: 2000}) == {550: 414, 2000: 276}
    breakdown = vat_breakdown(lines, fee_cents=690)

    assert breakdown.fee_by_rate == ((550, 414), (2000, 276))
    assert breakdown.as_list() == [
        {"rate_bp": 550, "gross_cents": 3579, "net_cents": 3392, "vat_cents": 187},
        {"rate_bp": 2000, "gross_cents": 2676, "net_cents": 2230, "vat_cents": 446},
    ]
    assert breakdown.net_cents == 5622
    assert breakdown.vat_cents == 633
    assert breakdown.gross_cents == 6255
    # The delivery VAT on its own is 0.22 + 0.46 = 0.68 (vector 4).
    assert vat_from_gross(414, 550) + vat_from_gross(276, 2000) == 68


@pytest.mark.parametrize(
    ("category", "rate"),
    [
        ("food", 550),
        ("prepared_food", 1000),
        ("alcohol", 2000),
        ("confectionery", 2000),
        ("standard", 2000),
    ],
)
def test_tax_categories_map_to_french_rates(category, rate):
    """Vector 3: wine and nougat 20 %, ordinary food 5.5 %, food for immediate consumption 10 %."""
    assert rules.rate_bp(category) == rate
    assert rules.rate_bp(category, seller_charges_vat=False) == 0


def test_unknown_category_or_country_is_refused():
    """A category or country without rates raises KeyError rather than guessing a rate."""
    with pytest.raises(KeyError, match="caviar"):
        rules.rate_bp("caviar")
    with pytest.raises(KeyError, match="US"):
        rules.rate_bp("food", country="US")


def test_a_fee_with_no_goods_is_taxed_at_the_standard_rate():
    """With no goods to follow, a delivery fee takes the 20 % rate."""
    assert split_fee(690, {}) == {2000: 690}
    assert split_fee(690, {550: 0}) == {2000: 690}
    breakdown = vat_breakdown([], fee_cents=690)
    assert breakdown.as_list() == [
        {"rate_bp": 2000, "gross_cents": 690, "net_cents": 575, "vat_cents": 115}
    ]


def test_no_fee_gives_no_parts_and_negative_amounts_are_refused():
    """A zero fee has no parts; negative fees and line totals raise ValueError."""
    assert split_fee(0, {550: 1000}) == {}
    with pytest.raises(ValueError, match="fee"):
        split_fee(-1, {550: 1000})
    with pytest.raises(ValueError, match="line"):
        vat_breakdown([TaxLine(gross_cents=-1, rate_bp=550)])


def test_fee_split_over_many_rates_never_gives_a_negative_part():
    """Four rates whose shares all round up still get parts >= 0 adding up to the fee."""
    goods_net = {0: 103, 550: 203, 1000: 450, 2000: 1}

    parts = split_fee(28, goods_net)

    # Exact shares: 3.81, 7.51, 16.64, 0.04 -> 28 cents by largest remainder.
    assert parts == {0: 4, 550: 7, 1000: 17, 2000: 0}
    assert sum(parts.values()) == 28


def test_a_tied_cent_goes_to_the_higher_rate():
    """A cent that two rates share equally goes to the higher rate."""
    assert split_fee(1, {550: 500, 2000: 500}) == {550: 0, 2000: 1}
    assert split_fee(3, {550: 500, 2000: 500}) == {550: 1, 2000: 2}


def test_franchise_seller_lines_carry_no_vat():
    """Lines of a seller under art. 293 B have rate 0 and no VAT, but still weigh in the fee split."""
    breakdown = vat_breakdown(
        [TaxLine(gross_cents=1000, rate_bp=0), TaxLine(gross_cents=1055, rate_bp=550)], fee_cents=200
    )
    assert breakdown.fee_by_rate == ((0, 100), (550, 100))
    assert breakdown.as_list()[0] == {"rate_bp": 0, "gross_cents": 1100, "net_cents": 1100, "vat_cents": 0}


lines_strategy = st.lists(
    st.builds(
        TaxLine,
        gross_cents=st.integers(min_value=0, max_value=10**6),
        rate_bp=st.sampled_from(RATES),
    ),
    max_size=12,
)
fees = st.integers(min_value=0, max_value=10**5)


@given(lines=lines_strategy, fee=fees)
def test_each_rate_bucket_adds_up(lines, fee):
    """Per rate, HT + VAT == TTC and VAT is never negative."""
    for rate in vat_breakdown(lines, fee_cents=fee).rates:
        assert rate.net_cents + rate.vat_cents == rate.gross_cents
        assert rate.vat_cents >= 0
        assert rate.net_cents >= 0


@given(lines=lines_strategy, fee=fees)
def test_buckets_add_up_to_goods_plus_fee(lines, fee):
    """The TTC of all buckets is the sum of the lines plus the fee, to the cent."""
    breakdown = vat_breakdown(lines, fee_cents=fee)

    assert breakdown.gross_cents == sum(line.gross_cents for line in lines) + fee
    assert breakdown.net_cents + breakdown.vat_cents == breakdown.gross_cents
    assert sum(part for _, part in breakdown.fee_by_rate) == fee


@given(
    fee=fees,
    goods_net=st.dictionaries(
        st.sampled_from(RATES), st.integers(min_value=0, max_value=10**6), max_size=5
    ),
)
def test_fee_parts_sum_to_the_fee_and_follow_the_goods(fee, goods_net):
    """Parts add up to the fee, are never negative, and only rates with goods get one."""
    parts = split_fee(fee, goods_net)

    assert sum(parts.values()) == fee
    assert all(part >= 0 for part in parts.values())
    with_goods = {rate for rate, net in goods_net.items() if net > 0}
    total = sum(goods_net[rate] for rate in with_goods)
    for rate, part in parts.items():
        if total:
            # Within one cent of the exact share fee × net / total.
            assert abs(part * total - fee * goods_net[rate]) < total
    if fee == 0:
        assert parts == {}
    elif with_goods:
        assert set(parts) <= with_goods
    else:
        assert parts == {2000: fee}


@given(lines=lines_strategy, fee=fees)
def test_vat_never_exceeds_the_exact_amount_by_more_than_half_a_cent(lines, fee):
    """Rounding happens once per rate: |VAT − TTC×t/(1+t)| ≤ 0.5 cent."""
    for rate in vat_breakdown(lines, fee_cents=fee).rates:
        exact = Decimal(rate.gross_cents) * rate.rate_bp / (10000 + rate.rate_bp)
        assert rate.vat_cents <= exact + Decimal("0.5")
        assert rate.vat_cents >= exact - Decimal("0.5")


@given(lines=lines_strategy, fee=fees, data=st.data())
def test_line_order_does_not_change_the_result(lines, fee, data):
    """Shuffling the basket gives the same breakdown."""
    shuffled = data.draw(st.permutations(lines))

    assert vat_breakdown(shuffled, fee_cents=fee) == vat_breakdown(lines, fee_cents=fee)
