"""Where intra-EU distance sales to consumers are taxed, and OSS dates. Pure.

Rules (Directive 2006/112 art. 59c, CGI art. 258 A / 259 D; compliance
facts §1.1, §1.2):

* One running total per seller identity and calendar year: the net value
  (excluding VAT) of its B2C distance sales of goods sent to consumers in
  *other* member states. Domestic sales and B2B sales do not count.
* Origin taxation (the seller's own VAT) holds while the total stays at or
  below EUR 10,000 in the current *and* the previous calendar year, the
  seller being established in one member state and dispatching only from
  there.
* The sale that takes the running total past EUR 10,000 is itself taxed at
  destination, and so is every later sale that year and the whole next
  year.
* A seller may opt for destination taxation below the threshold (binding
  for two calendar years, art. 59c(3)).
* Goods dispatched from another member state: no threshold, destination
  from the first euro.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

THRESHOLD_CENTS = 1_000_000
OPTION_YEARS = 2
CORRECTION_YEARS = 3


class Taxation(StrEnum):
    ORIGIN = "origin"
    DESTINATION = "destination"


class Reason(StrEnum):
    DOMESTIC = "domestic"
    BUSINESS = "business"
    BELOW_THRESHOLD = "below_threshold"
    PREVIOUS_YEAR_ABOVE = "previous_year_above"
    CROSSED_THIS_YEAR = "crossed_this_year"
    OPTED = "opted"
    DISPATCHED_ABROAD = "dispatched_abroad"


@dataclass(frozen=True, slots=True)
class SellerProfile:
    """What the threshold rule needs to know about one seller identity."""

    home_country: str
    previous_year_cents: int = 0
    opted_destination: bool = False
    dispatch_countries: frozenset[str] = frozenset()

    @property
    def threshold_applies(self) -> bool:
        return self.dispatch_countries <= {self.home_country}


@dataclass(frozen=True, slots=True)
class Sale:
    """One supply of goods: when, to which country, net amount, to whom."""

    on: date
    customer_country: str
    net_cents: int
    to_business: bool = False
    dispatch_country: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one sale is taxed and why; ``total_after_cents`` is the running total."""

    sale: Sale
    taxation: Taxation
    country: str
    reason: Reason
    counts_toward_threshold: bool
    total_after_cents: int

    @property
    def in_oss(self) -> bool:
        """Destination-taxed B2C distance sales are declared in the OSS return."""
        return self.taxation == Taxation.DESTINATION and self.counts_toward_threshold


def is_distance_sale(sale: Sale, *, home_country: str) -> bool:
    """A B2C sale of goods sent to a consumer in another member state."""
    return not sale.to_business and sale.customer_country != home_country


def place_of_taxation(
    *, profile: SellerProfile, sale: Sale, year_to_date_cents: int
) -> Decision:
    """Decide where ``sale`` is taxed given the total of the year before it."""
    if sale.net_cents < 0 or year_to_date_cents < 0:
        raise ValueError("amounts cannot be negative")
    home = profile.home_country
    if sale.to_business:
        return Decision(sale, Taxation.ORIGIN, home, Reason.BUSINESS, False, year_to_date_cents)
    if sale.customer_country == home:
        return Decision(sale, Taxation.ORIGIN, home, Reason.DOMESTIC, False, year_to_date_cents)
    total = year_to_date_cents + sale.net_cents
    dispatched_abroad = sale.dispatch_country not in (None, home)
    if dispatched_abroad or not profile.threshold_applies:
        reason = Reason.DISPATCHED_ABROAD
    elif profile.opted_destination:
        reason = Reason.OPTED
    elif profile.previous_year_cents > THRESHOLD_CENTS:
        reason = Reason.PREVIOUS_YEAR_ABOVE
    elif total > THRESHOLD_CENTS:
        reason = Reason.CROSSED_THIS_YEAR
    else:
        return Decision(sale, Taxation.ORIGIN, home, Reason.BELOW_THRESHOLD, True, total)
    return Decision(sale, Taxation.DESTINATION, sale.customer_country, reason, True, total)


def classify_year(profile: SellerProfile, sales: Iterable[Sale]) -> list[Decision]:
    """Replay one calendar year of a seller's sales in date order."""
    ordered = sorted(sales, key=lambda s: s.on)
    years = {s.on.year for s in ordered}
    if len(years) > 1:
        raise ValueError("sales of one calendar year only")
    decisions = []
    total = 0
    for sale in ordered:
        decision = place_of_taxation(profile=profile, sale=sale, year_to_date_cents=total)
        total = decision.total_after_cents
        decisions.append(decision)
    return decisions


def next_year_profile(profile: SellerProfile, year_total_cents: int) -> SellerProfile:
    """The profile for the next year: this year's total becomes the previous one."""
    return SellerProfile(
        home_country=profile.home_country,
        previous_year_cents=year_total_cents,
        opted_destination=profile.opted_destination,
        dispatch_countries=profile.dispatch_countries,
    )


_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")


def quarter_parse(text: str) -> tuple[int, int]:
    """Parse ``2026Q3`` (or ``2026-Q3``) into (2026, 3); ValueError otherwise."""
    match = _QUARTER.match(text.strip().upper())
    if match is None:
        raise ValueError(f"not a quarter: {text!r} (expected e.g. 2026Q3)")
    return int(match.group(1)), int(match.group(2))


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First day of the quarter and first day of the next one."""
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


def oss_return_deadline(year: int, quarter: int) -> date:
    """Last day of the month after the quarter; not moved for weekends."""
    _, end = quarter_bounds(year, quarter)
    return date(end.year, end.month, calendar.monthrange(end.year, end.month)[1])


def oss_correction_deadline(year: int, quarter: int) -> date:
    """Last day a return's correction may go into a later OSS return (3 years)."""
    due = oss_return_deadline(year, quarter)
    last_day = calendar.monthrange(due.year + CORRECTION_YEARS, due.month)[1]
    return date(due.year + CORRECTION_YEARS, due.month, min(due.day, last_day))
