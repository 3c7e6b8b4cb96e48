"""Money as integer cents, and the one rounding helper.

Amounts are stored as integer minor units (``*_cents``). Rate and weight
maths runs in ``Decimal`` and comes back to cents only through
:func:`round_half_up`; docs/money.md lists where that happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: Decimal) -> int:
    """Round a Decimal amount of cents to whole cents, halves away from zero."""
    if not isinstance(value, Decimal):
        raise TypeError("round_half_up takes a Decimal")
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An exact amount of money in minor units of one currency."""

    cents: int
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise TypeError("Money.cents must be an int")

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise ValueError("currency mismatch")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.cents - other.cents, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("Money can only be multiplied by an int")
        return Money(self.cents * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.cents, self.currency)

    @classmethod
    def zero(cls, currency: str = "EUR") -> Money:
        return cls(0, currency)

    def as_decimal(self) -> Decimal:
        """Return the amount in major units (euros), for display and export."""
        return Decimal(self.cents) / 100
