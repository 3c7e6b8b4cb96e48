"""Pure rules of recurring baskets: which dates are due, and what to do
when the stock is short. No Django, no I/O."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

WEEKLY_DAYS = 7
FORTNIGHTLY_DAYS = 14

SKIP = "skip"
REDUCE = "reduce"


def is_due(*, starts_on: date, every_days: int, on: date) -> bool:
    """Whether a subscription anchored on ``starts_on`` has a cycle on ``on``."""
    if every_days <= 0:
        raise ValueError("every_days must be positive")
    return on >= starts_on and (on - starts_on).days % every_days == 0


def cycles(*, starts_on: date, every_days: int, after: date, count: int) -> Iterator[date]:
    """Yield the next ``count`` cycle dates on or after ``after``."""
    if every_days <= 0:
        raise ValueError("every_days must be positive")
    first = starts_on
    if after > starts_on:
        behind = (after - starts_on).days
        first = starts_on + timedelta(days=-(-behind // every_days) * every_days)
    for n in range(count):
        yield first + timedelta(days=n * every_days)


@dataclass(frozen=True, slots=True)
class Fill:
    """What a cycle's order will hold, and what could not be had."""

    quantities: dict[int, int]
    short: dict[int, int]  # variant -> units missing

    @property
    def is_empty(self) -> bool:
        return not self.quantities

    @property
    def is_reduced(self) -> bool:
        return bool(self.short)


def fill(*, wanted: Mapping[int, int], available: Mapping[int, int], policy: str) -> Fill:
    """Decide a cycle's quantities from what the customer wants and the stock left.

    With ``skip`` the cycle gets everything or nothing (empty quantities
    when anything is short). With ``reduce`` each line gets what is left,
    up to what was wanted, and lines with nothing left are dropped.
    """
    if policy not in (SKIP, REDUCE):
        raise ValueError(f"unknown shortage policy {policy!r}")
    quantities: dict[int, int] = {}
    short: dict[int, int] = {}
    for variant, qty in wanted.items():
        if qty <= 0:
            continue
        got = max(0, min(qty, available.get(variant, 0)))
        if got < qty:
            short[variant] = qty - got
        if got:
            quantities[variant] = got
    if short and policy == SKIP:
        return Fill(quantities={}, short=short)
    return Fill(quantities=quantities, short=short)
