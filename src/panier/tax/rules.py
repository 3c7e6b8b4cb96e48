"""VAT computation for consumer (VAT-inclusive) prices. Pure: no Django.

This module is the single place where VAT is computed. Conventions
(compliance facts §2.2, §2.3; written down in docs/money.md):

* Consumer prices are VAT-inclusive (TTC). For each rate, the VAT is
  extracted once from the total of that rate:
  ``vat = round_half_up(gross × t / (1 + t))`` and ``net = gross − vat``.
* A delivery fee follows the goods it carries (CGI art. 267 I 2°): it is
  split pro rata to the net value of the goods at each rate; each part is
  its exact share rounded down and the cents left go to the largest
  remainders (the higher rate on a tie). A fee with no goods is taxed at
  the standard rate.
* A seller under the small-business exemption (art. 293 B CGI) charges no
  VAT: its lines carry the rate 0.
* Rates of the 27 member states come from ``tax/data/eu_rates.json``, a
  dated table that names its sources; a supply is looked up by country,
  category and date.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources

from panier.core.money import round_half_up

# Rates in basis points (550 = 5.5 %), France, in force since 2014 (CGI arts.
# 278, 278-0 bis, 279). Kept as the reference the data file is checked against.
FR_RATES_BP: dict[str, int] = {
    "food": 550,
    "prepared_food": 1000,
    "alcohol": 2000,
    "confectionery": 2000,
    "standard": 2000,
}
STANDARD_RATE_BP = 2000
CATEGORIES = frozenset(FR_RATES_BP)


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """The rate of each tax category from a date on (``None``: since ever)."""

    starts_on: date | None
    categories: dict[str, int]


@dataclass(frozen=True, slots=True)
class CountryRates:
    """The VAT rates of one member state."""

    country: str
    standard_bp: int
    reduced_bp: tuple[int, ...]
    super_reduced_bp: tuple[int, ...]
    categories_checked: bool
    periods: tuple[RatePeriod, ...]

    def category_rate(self, category: str, on: date) -> int:
        """Return the rate of ``category`` in force on ``on``."""
        current = self.periods[0]
        for period in self.periods:
            if period.starts_on is None or period.starts_on <= on:
                current = period
        return current.categories[category]


@dataclass(frozen=True, slots=True)
class RateTable:
    """Every member state's rates, with where they come from and when."""

    source: str
    compiled_on: date
    as_of: date
    countries: dict[str, CountryRates]


def rate_table_parse(text: str) -> RateTable:
    """Parse the JSON rate table (``tax/data/eu_rates.json``); checks its shape."""
    raw = json.loads(text)
    countries: dict[str, CountryRates] = {}
    for code, entry in raw["countries"].items():
        periods = []
        for period in entry["periods"]:
            categories = {name: int(value) for name, value in period["categories"].items()}
            if set(categories) != CATEGORIES:
                raise ValueError(f"{code}: the categories must be exactly {sorted(CATEGORIES)}")
            start = date.fromisoformat(period["from"]) if period["from"] else None
            periods.append(RatePeriod(starts_on=start, categories=categories))
        starts = [p.starts_on for p in periods[1:]]
        if periods[0].starts_on is not None or None in starts or starts != sorted(starts):
            raise ValueError(f"{code}: periods must start open-ended and follow in date order")
        countries[code] = CountryRates(
            country=code,
            standard_bp=int(entry["standard"]),
            reduced_bp=tuple(entry["reduced"]),
            super_reduced_bp=tuple(entry["super_reduced"]),
            categories_checked=bool(entry["categories_checked"]),
            periods=tuple(periods),
        )
    return RateTable(
        source=raw["source"],
        compiled_on=date.fromisoformat(raw["compiled_on"]),
        as_of=date.fromisoformat(raw["as_of"]),
        countries=countries,
    )


@functools.cache
def rate_table() -> RateTable:
    """Return the rate table shipped with Panier (read once)."""
    text = resources.files("panier.tax").joinpath("data/eu_rates.json").read_text(encoding="utf-8")
    return rate_table_parse(text)


def rate_bp(
    category: str,
    *,
    country: str = "FR",
    seller_charges_vat: bool = True,
    on: date | None = None,
) -> int:
    """Return the VAT rate in basis points for a tax category in a member state.

    ``on`` is the date of the supply; without it, the rates in force on the
    table's ``as_of`` date apply. Greece is ``EL`` (its VAT prefix).
    Raises KeyError for an unknown category or a country outside the EU.
    """
    if category not in CATEGORIES:
        raise KeyError(f"unknown tax category {category!r}")
    table = rate_table()
    entry = table.countries.get(country)
    if entry is None:
        raise KeyError(f"no VAT rates for country {country!r}")
    rate = entry.category_rate(category, on or table.as_of)
    return rate if seller_charges_vat else 0


def vat_from_gross(gross_cents: int, rate: int) -> int:
    """Return the VAT included in a VAT-inclusive amount, in cents."""
    if rate == 0:
        return 0
    return round_half_up(Decimal(gross_cents) * rate / (10000 + rate))


def net_of_vat(gross_cents: int, rate: int) -> int:
    """Return a VAT-inclusive amount without its VAT (the price of an exempt supply)."""
    return gross_cents - vat_from_gross(gross_cents, rate)


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One priced line of a basket: its VAT-inclusive total and its rate."""

    gross_cents: int
    rate_bp: int


@dataclass(frozen=True, slots=True)
class RateTotal:
    """The totals of one VAT rate."""

    rate_bp: int
    gross_cents: int
    net_cents: int
    vat_cents: int


@dataclass(frozen=True, slots=True)
class Breakdown:
    """VAT per rate for goods and delivery together."""

    rates: tuple[RateTotal, ...]
    fee_by_rate: tuple[tuple[int, int], ...]

    @property
    def gross_cents(self) -> int:
        return sum(r.gross_cents for r in self.rates)

    @property
    def net_cents(self) -> int:
        return sum(r.net_cents for r in self.rates)

    @property
    def vat_cents(self) -> int:
        return sum(r.vat_cents for r in self.rates)

    def as_list(self) -> list[dict[str, int]]:
        return [
            {
                "rate_bp": r.rate_bp,
                "gross_cents": r.gross_cents,
                "net_cents": r.net_cents,
                "vat_cents": r.vat_cents,
            }
            for r in self.rates
        ]


def split_fee(fee_cents: int, goods_net_by_rate: dict[int, int]) -> dict[int, int]:
    """Split a VAT-inclusive fee across rates, pro rata to the goods' net value.

    Largest remainder: each rate gets its exact share rounded down, then
    the cents left over go one each to the largest remainders, the higher
    rate first on a tie. The parts add up to ``fee_cents``, none is
    negative and each is within one cent of its exact share. (Rounding
    every share half up and giving the highest rate "the rest" could leave
    it a negative part once three or more rates round up.)
    """
    if fee_cents < 0:
        raise ValueError("a fee cannot be negative")
    if fee_cents == 0:
        return {}
    weights = {rate: net for rate, net in goods_net_by_rate.items() if net > 0}
    total = sum(weights.values())
    if total == 0:
        return {STANDARD_RATE_BP: fee_cents}
    parts: dict[int, int] = {}
    remainders: dict[int, int] = {}
    for rate, weight in weights.items():
        parts[rate], remainders[rate] = divmod(fee_cents * weight, total)
    left = fee_cents - sum(parts.values())
    for rate in sorted(weights, key=lambda r: (remainders[r], r), reverse=True)[:left]:
        parts[rate] += 1
    return dict(sorted(parts.items()))


def fee_net_of_vat(fee_cents: int, goods_net_by_rate: dict[int, int]) -> int:
    """Return a VAT-inclusive delivery fee without its VAT.

    The fee is split across the goods' rates first (``split_fee``), then
    each part loses the VAT of its rate, exactly as ``vat_breakdown``
    would extract it.
    """
    return sum(net_of_vat(part, rate) for rate, part in split_fee(fee_cents, goods_net_by_rate).items())


def vat_breakdown(lines: Iterable[TaxLine], *, fee_cents: int = 0) -> Breakdown:
    """Return the VAT per rate of VAT-inclusive lines plus a delivery fee."""
    goods: dict[int, int] = {}
    for line in lines:
        if line.gross_cents < 0:
            raise ValueError("a line total cannot be negative")
        goods[line.rate_bp] = goods.get(line.rate_bp, 0) + line.gross_cents
    goods_net = {rate: gross - vat_from_gross(gross, rate) for rate, gross in goods.items()}
    fee_parts = split_fee(fee_cents, goods_net)
    totals: dict[int, int] = dict(goods)
    for rate, part in fee_parts.items():
        totals[rate] = totals.get(rate, 0) + part
    rates = []
    for rate in sorted(totals):
        gross = totals[rate]
        vat = vat_from_gross(gross, rate)
        rates.append(RateTotal(rate_bp=rate, gross_cents=gross, net_cents=gross - vat, vat_cents=vat))
    return Breakdown(rates=tuple(rates), fee_by_rate=tuple(sorted(fee_parts.items())))


@dataclass(frozen=True, slots=True)
class NetLine:
    """One line of a business invoice: its total excluding VAT and its rate."""

    net_cents: int
    rate_bp: int


def vat_from_net(net_cents: int, rate: int) -> int:
    """Return the VAT on an amount excluding VAT, in cents."""
    return round_half_up(Decimal(net_cents) * rate / 10000)


def vat_breakdown_from_net(lines: Iterable[NetLine], *, fee_net_cents: int = 0) -> Breakdown:
    """Return the VAT per rate of lines priced excluding VAT (EN 16931 BR-CO-17).

    Line nets are summed per rate and the VAT is computed once per rate on
    that base, never by adding rounded per-line VAT. A fee excluding VAT is
    split like a consumer fee, pro rata to the goods' net value.
    """
    goods: dict[int, int] = {}
    for line in lines:
        if line.net_cents < 0:
            raise ValueError("a line total cannot be negative")
        goods[line.rate_bp] = goods.get(line.rate_bp, 0) + line.net_cents
    fee_parts = split_fee(fee_net_cents, goods)
    bases = dict(goods)
    for rate, part in fee_parts.items():
        bases[rate] = bases.get(rate, 0) + part
    rates = []
    for rate in sorted(bases):
        net = bases[rate]
        vat = vat_from_net(net, rate)
        rates.append(RateTotal(rate_bp=rate, gross_cents=net + vat, net_cents=net, vat_cents=vat))
    return Breakdown(rates=tuple(rates), fee_by_rate=tuple(sorted(fee_parts.items())))
