"""The EUR 10,000 threshold and OSS dates (compliance facts §1.1, §1.2, vectors 6–10)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.tax import oss
from panier.tax.oss import Reason, Sale, SellerProfile, Taxation


def eur(amount: str) -> int:
    euros, _, cents = amount.partition(".")
    return int(euros.replace(",", "")) * 100 + int((cents or "0").ljust(2, "0"))


def test_crossing_sale_and_later_sales_are_taxed_at_destination():
    """Vector 6: 2025 at 7,000; 9,000 by 30 Jun; the 1,500 BE order of 15 Jul crosses → BE and after."""
    fr = SellerProfile(home_country="FR", previous_year_cents=eur("7000"))
    sales = [
        Sale(date(2026, 3, 1), "DE", eur("4000")),
        Sale(date(2026, 5, 1), "IT", eur("3000")),
        Sale(date(2026, 6, 30), "BE", eur("2000")),
        Sale(date(2026, 7, 10), "FR", eur("800")),
        Sale(date(2026, 7, 15), "BE", eur("1500")),
        Sale(date(2026, 8, 1), "DE", eur("20")),
        Sale(date(2026, 9, 1), "FR", eur("50")),
    ]

    decisions = oss.classify_year(fr, sales)

    assert [(d.taxation, d.country) for d in decisions] == [
        (Taxation.ORIGIN, "FR"),
        (Taxation.ORIGIN, "FR"),
        (Taxation.ORIGIN, "FR"),
        (Taxation.ORIGIN, "FR"),
        (Taxation.DESTINATION, "BE"),
        (Taxation.DESTINATION, "DE"),
        (Taxation.ORIGIN, "FR"),
    ]
    assert decisions[4].reason == Reason.CROSSED_THIS_YEAR
    assert decisions[4].total_after_cents == eur("10500")
    assert decisions[3].reason == Reason.DOMESTIC
    assert not decisions[3].in_oss
    assert [d.in_oss for d in decisions].count(True) == 2
    next_year = oss.next_year_profile(fr, decisions[-1].total_after_cents)
    first_2027 = oss.place_of_taxation(profile=next_year, sale=Sale(date(2027, 1, 2), "IT", 100), year_to_date_cents=0)
    assert (first_2027.taxation, first_2027.reason) == (Taxation.DESTINATION, Reason.PREVIOUS_YEAR_ABOVE)


@pytest.mark.parametrize(
    ("year_total", "next_year_start"),
    [
        ("9999.99", Taxation.ORIGIN),
        ("10000.00", Taxation.ORIGIN),
        ("10000.01", Taxation.DESTINATION),
    ],
)
def test_the_year_total_decides_how_next_year_starts(year_total, next_year_start):
    """Vector 7: up to 10,000.00 the next year starts on origin rules; above, all of it at destination."""
    fr = SellerProfile(home_country="FR", previous_year_cents=eur("4000"))
    decisions = oss.classify_year(fr, [Sale(date(2026, 12, 30), "DE", eur(year_total))])
    assert decisions[0].taxation == (Taxation.ORIGIN if year_total != "10000.01" else Taxation.DESTINATION)

    nxt = oss.next_year_profile(fr, decisions[0].total_after_cents)
    decision = oss.place_of_taxation(profile=nxt, sale=Sale(date(2027, 1, 1), "DE", 1), year_to_date_cents=0)

    assert decision.taxation == next_year_start


def test_stock_abroad_means_destination_from_the_first_euro():
    """Vector 8: goods shipped from a warehouse in Belgium → no threshold."""
    fr = SellerProfile(home_country="FR", dispatch_countries=frozenset({"FR", "BE"}))
    one_order = Sale(date(2026, 1, 5), "DE", 100, dispatch_country="FR")

    decision = oss.place_of_taxation(profile=fr, sale=one_order, year_to_date_cents=0)
    from_belgium = oss.place_of_taxation(
        profile=SellerProfile(home_country="FR"),
        sale=Sale(date(2026, 1, 5), "NL", 100, dispatch_country="BE"),
        year_to_date_cents=0,
    )

    assert (decision.taxation, decision.country, decision.reason) == (Taxation.DESTINATION, "DE", Reason.DISPATCHED_ABROAD)
    assert (from_belgium.taxation, from_belgium.country) == (Taxation.DESTINATION, "NL")


def test_opting_in_taxes_at_destination_below_the_threshold():
    """A seller who opted for destination taxation applies it from the first euro."""
    profile = SellerProfile(home_country="FR", opted_destination=True)
    decision = oss.place_of_taxation(profile=profile, sale=Sale(date(2026, 2, 1), "IT", 500), year_to_date_cents=0)
    assert (decision.taxation, decision.reason, decision.in_oss) == (Taxation.DESTINATION, Reason.OPTED, True)


def test_business_and_domestic_sales_do_not_count():
    """B2B and FR→FR sales stay out of the running total and out of OSS."""
    fr = SellerProfile(home_country="FR")
    decisions = oss.classify_year(
        fr, [Sale(date(2026, 1, 1), "DE", eur("50000"), to_business=True), Sale(date(2026, 1, 2), "FR", eur("50000"))]
    )
    assert [d.reason for d in decisions] == [Reason.BUSINESS, Reason.DOMESTIC]
    assert decisions[-1].total_after_cents == 0


@pytest.mark.parametrize(
    ("quarter", "deadline"),
    [
        ("2026Q1", date(2026, 4, 30)),
        ("2026Q2", date(2026, 7, 31)),
        ("2026Q3", date(2026, 10, 31)),  # a Saturday, not extended
        ("2026-Q4", date(2027, 1, 31)),  # a Sunday, not extended
    ],
)
def test_oss_return_deadlines(quarter, deadline):
    """Vector 9: the return is due by the last day of the month after the quarter."""
    assert oss.oss_return_deadline(*oss.quarter_parse(quarter)) == deadline


def test_oss_correction_window_is_three_years_from_the_due_date():
    """Vector 10: a Q1 2026 error can be corrected in a later return until 30 Apr 2029."""
    assert oss.oss_correction_deadline(2026, 1) == date(2029, 4, 30)
    assert oss.quarter_bounds(2026, 3) == (date(2026, 7, 1), date(2026, 10, 1))


@pytest.mark.parametrize("text", ["2026", "2026Q5", "Q3-2026", ""])
def test_bad_quarters_are_refused(text):
    """Only YYYYQn is a quarter."""
    with pytest.raises(ValueError, match="quarter"):
        oss.quarter_parse(text)


sale_strategy = st.builds(
    Sale,
    on=st.dates(date(2026, 1, 1), date(2026, 12, 31)),
    customer_country=st.sampled_from(["FR", "DE", "BE", "IT"]),
    net_cents=st.integers(0, 400_000),
    to_business=st.booleans(),
)


@given(sales=st.lists(sale_strategy, max_size=40), previous=st.integers(0, 1_500_000), opted=st.booleans())
def test_threshold_switching_is_monotonic_within_a_year(sales, previous, opted):
    """Once a distance sale is taxed at destination, every later one that year is too."""
    decisions = oss.classify_year(
        SellerProfile(home_country="FR", previous_year_cents=previous, opted_destination=opted), sales
    )
    distance = [d for d in decisions if d.counts_toward_threshold]
    flags = [d.taxation == Taxation.DESTINATION for d in distance]
    assert flags == sorted(flags)
    totals = [d.total_after_cents for d in decisions]
    assert totals == sorted(totals)
    for d in decisions:
        if not d.counts_toward_threshold:
            assert (d.taxation, d.country) == (Taxation.ORIGIN, "FR")
        if d.taxation == Taxation.ORIGIN and d.counts_toward_threshold:
            assert d.total_after_cents <= oss.THRESHOLD_CENTS
            assert previous <= oss.THRESHOLD_CENTS


@given(day=st.dates(date(2020, 1, 1), date(2040, 12, 31)))
def test_every_day_belongs_to_one_quarter_whose_deadline_follows_it(day):
    """A quarter's bounds contain its days and the deadline is within the following month."""
    quarter = (day.month - 1) // 3 + 1
    start, end = oss.quarter_bounds(day.year, quarter)
    assert start <= day < end
    deadline = oss.oss_return_deadline(day.year, quarter)
    assert end <= deadline < end + timedelta(days=31)
