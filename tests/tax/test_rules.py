"""VAT rates and VAT computation (compliance facts §2, vectors 1–5)."""

import json
from datetime import date
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.tax import rules
from panier.tax.rules import (
    NetLine,
    TaxLine,
    rate_bp,
    vat_breakdown,
    vat_breakdown_from_net,
    vat_from_gross,
)


@pytest.mark.parametrize(
    ("gross", "rate", "vat", "net"),
    [
        (1055, 550, 55, 1000),  # vector 1: jar of honey
        (330, 1000, 30, 300),  # vector 2: prepared dish for immediate consumption
        (330, 550, 17, 313),  # vector 2: the same dish as a sealed jar
    ],
)
def test_vat_is_extracted_from_vat_inclusive_prices(gross, rate, vat, net):
    """VAT from a TTC amount is round_half_up(gross × t / (1 + t)) and HT is the rest."""
    assert vat_from_gross(gross, rate) == vat
    assert gross - vat_from_gross(gross, rate) == net


@pytest.mark.parametrize(
    ("item", "category", "rate"),
    [
        ("bottle of wine", "alcohol", 2000),
        ("nougat", "confectionery", 2000),
        ("bonbons de chocolat 15 g", "food", 550),
        ("milk chocolate bar", "food", 550),
        ("margarine", "standard", 2000),
        ("mineral water", "food", 550),
        ("soda in a cup for immediate consumption", "prepared_food", 1000),
        ("dish sold as a sealed jar", "food", 550),
    ],
)
def test_french_rate_of_each_category(item, category, rate):
    """Vector 3: the category a human gives a product maps to the French rate."""
    assert rate_bp(category) == rate, item


def test_mixed_basket_splits_delivery_on_goods_net_value():
    """Vector 4: delivery 6.90 is split 60/40 on goods HT; invoice totals 56.22 + 6.33 = 62.55."""
    lines = [TaxLine(gross_cents=3165, rate_bp=550), TaxLine(gross_cents=2400, rate_bp=2000)]

    breakdown = vat_breakdown(lines, fee_cents=690)

    assert dict(breakdown.fee_by_rate) == {550: 414, 2000: 276}
    assert [vat_from_gross(414, 550), vat_from_gross(276, 2000)] == [22, 46]
    assert breakdown.as_list() == [
        {"rate_bp": 550, "gross_cents": 3579, "net_cents": 3392, "vat_cents": 187},
        {"rate_bp": 2000, "gross_cents": 2676, "net_cents": 2230, "vat_cents": 446},
    ]
    assert (breakdown.net_cents, breakdown.vat_cents, breakdown.gross_cents) == (5622, 633, 6255)


def test_business_invoice_computes_vat_once_per_rate():
    """Vector 5: 12 × 2.50 at 5.5 % + 6 × 4.20 at 20 % → VAT 1.65 + 5.04, TTC 61.89."""
    lines = [NetLine(net_cents=250, rate_bp=550)] * 12 + [NetLine(net_cents=420, rate_bp=2000)] * 6

    breakdown = vat_breakdown_from_net(lines)

    assert [(r.rate_bp, r.net_cents, r.vat_cents) for r in breakdown.rates] == [(550, 3000, 165), (2000, 2520, 504)]
    assert (breakdown.net_cents, breakdown.vat_cents, breakdown.gross_cents) == (5520, 669, 6189)


def test_the_rate_table_covers_the_27_member_states_and_names_its_source():
    """The data file lists every member state, is dated and names where it comes from."""
    table = rules.rate_table()

    assert len(table.countries) == 27
    assert "GR" not in table.countries
    assert table.compiled_on == date(2026, 11, 24)
    assert "TEDB" in table.source
    assert table.countries["FR"].categories_checked is True
    assert {c: table.countries["FR"].category_rate(c, date(2026, 1, 1)) for c in rules.CATEGORIES} == rules.FR_RATES_BP


@pytest.mark.parametrize(
    ("country", "category", "on", "rate"),
    [
        ("DE", "food", date(2026, 6, 1), 700),
        ("BE", "food", date(2026, 7, 15), 600),
        ("BE", "prepared_food", date(2026, 2, 28), 600),
        ("BE", "prepared_food", date(2026, 3, 1), 1200),
        ("SE", "food", date(2026, 3, 31), 1200),
        ("SE", "food", date(2026, 4, 1), 600),
        ("SE", "food", date(2028, 1, 1), 1200),
        ("FI", "standard", date(2026, 6, 1), 2550),
        ("EE", "standard", date(2026, 6, 1), 2400),
        ("RO", "food", date(2026, 6, 1), 1100),
        ("IE", "food", date(2026, 6, 1), 0),
    ],
)
def test_destination_rates_are_dated(country, category, on, rate):
    """A rate is looked up by country, category and date of the supply."""
    assert rate_bp(category, country=country, on=on) == rate


def test_unknown_country_or_category_raises_key_error():
    """Outside the EU (or with the non-VAT prefix GR) or for an unknown category there is no rate."""
    with pytest.raises(KeyError):
        rate_bp("food", country="CH")
    with pytest.raises(KeyError):
        rate_bp("food", country="GR")
    with pytest.raises(KeyError):
        rate_bp("caviar")


def test_franchise_seller_charges_no_vat_anywhere():
    """A seller under art. 293 B CGI charges no VAT."""
    assert rate_bp("alcohol", seller_charges_vat=False) == 0
    assert rate_bp("alcohol", country="DE", seller_charges_vat=False) == 0


def test_a_malformed_rate_table_is_refused():
    """Periods out of order or a missing category are caught when the file is read."""
    raw = json.loads(resources.files("panier.tax").joinpath("data/eu_rates.json").read_text())
    raw["countries"]["SE"]["periods"].reverse()
    with pytest.raises(ValueError, match="SE"):
        rules.rate_table_parse(json.dumps(raw))
    raw = json.loads(resources.files("panier.tax").joinpath("data/eu_rates.json").read_text())
    del raw["countries"]["DE"]["periods"][0]["categories"]["food"]
    with pytest.raises(ValueError, match="DE"):
        rules.rate_table_parse(json.dumps(raw))


rates = st.sampled_from([0, 210, 550, 1000, 2000])


@given(
    lines=st.lists(st.builds(TaxLine, gross_cents=st.integers(0, 500_000), rate_bp=rates), max_size=12),
    fee=st.integers(0, 5_000),
)
def test_consumer_totals_always_add_up(lines, fee):
    """Per rate, net + VAT = gross; the rates add up to goods + fee; the fee parts to the fee."""
    breakdown = vat_breakdown(lines, fee_cents=fee)

    assert breakdown.gross_cents == sum(line.gross_cents for line in lines) + fee
    assert sum(part for _, part in breakdown.fee_by_rate) == fee
    for r in breakdown.rates:
        assert r.net_cents + r.vat_cents == r.gross_cents
        assert r.vat_cents == vat_from_gross(r.gross_cents, r.rate_bp)


@given(lines=st.lists(st.builds(NetLine, net_cents=st.integers(0, 500_000), rate_bp=rates), max_size=12))
def test_business_totals_always_add_up(lines):
    """Per rate the base is the sum of line nets and the VAT is computed on that base once."""
    breakdown = vat_breakdown_from_net(lines)

    assert breakdown.net_cents == sum(line.net_cents for line in lines)
    for r in breakdown.rates:
        base = sum(line.net_cents for line in lines if line.rate_bp == r.rate_bp)
        assert r.net_cents == base
        assert r.vat_cents == rules.vat_from_net(base, r.rate_bp)


STANDARD_RATES_2026 = {
    "AT": 2000, "BE": 2100, "BG": 2000, "CY": 1900, "CZ": 2100, "DE": 1900, "DK": 2500, "EE": 2400, "EL": 2400,
    "ES": 2100, "FI": 2550, "FR": 2000, "HR": 2500, "HU": 2700, "IE": 2300, "IT": 2200, "LT": 2100, "LU": 1700,
    "LV": 2100, "MT": 1800, "NL": 2100, "PL": 2300, "PT": 2300, "RO": 2100, "SE": 2500, "SI": 2200, "SK": 2300,
}  # fmt: skip


@pytest.mark.parametrize(("country", "standard"), sorted(STANDARD_RATES_2026.items()))
def test_standard_rate_of_each_member_state(country, standard):
    """Compliance facts §2.4: the standard rate of each of the 27 member states, mid-2026."""
    entry = rules.rate_table().countries[country]
    assert entry.standard_bp == standard
    assert rate_bp("standard", country=country, on=date(2026, 7, 1)) == standard
    assert all(r < standard for r in (*entry.reduced_bp, *entry.super_reduced_bp))


@given(gross=st.integers(0, 10_000_000), rate=st.sampled_from([0, 210, 550, 1000, 2000, 2100, 2700]))
def test_net_of_vat_is_the_gross_less_the_vat_extracted(gross, rate):
    """An exempt price is the consumer price without its VAT: never negative, never above it."""
    net = rules.net_of_vat(gross, rate)

    assert net + rules.vat_from_gross(gross, rate) == gross
    assert 0 <= net <= gross
    assert abs(net * (10000 + rate) - gross * 10000) <= (10000 + rate) // 2 + 1


@given(
    fee=st.integers(0, 100_000),
    goods=st.dictionaries(st.sampled_from([0, 550, 1000, 2000]), st.integers(0, 1_000_000), max_size=4),
)
def test_fee_net_of_vat_matches_the_breakdown_of_the_same_fee(fee, goods):
    """The exempt fee is what the consumer breakdown would leave of the fee once its VAT is removed."""
    net = rules.fee_net_of_vat(fee, goods)
    parts = rules.split_fee(fee, goods)

    assert net == sum(part - rules.vat_from_gross(part, rate) for rate, part in parts.items())
    assert 0 <= net <= fee
