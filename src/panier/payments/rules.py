"""Payment rules: strong customer authentication and amounts. Pure: no Django.

The SCA choice follows PSD2 art. 97 and the RTS (Commission Delegated
Regulation 2018/389): the shop only *requests* an exemption; the issuer
has the last word. Values match ``adapters.base.Exemption``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from panier.core.money import round_half_up

NONE = ""  # default: full 3-D Secure when the issuer asks for it
CHALLENGE = "challenge"  # 3DS requestor challenge indicator 04 (mandate)
LOW_VALUE = "low_value"
TRA = "transaction_risk_analysis"
MIT = "merchant_initiated"
RECURRING = "recurring"

#: RTS art. 16: remote payments up to €30, while the previous ones since
#: the last authentication stay within €100 or five payments.
LOW_VALUE_MAX_CENTS = 3000
LOW_VALUE_CUMULATIVE_MAX_CENTS = 10000
LOW_VALUE_MAX_COUNT = 5

#: RTS art. 18 and its annex: (amount up to, fraud rate at most in parts
#: per million) for remote card payments; never above €500.
TRA_BANDS = ((10000, 1300), (25000, 600), (50000, 100))


@dataclass(frozen=True, slots=True)
class ScaContext:
    """What the shop knows when it opens or charges a payment."""

    amount_cents: int
    customer_initiated: bool = True
    # The customer asks to keep the card, or changes a recurring amount.
    sets_up_mandate: bool = False
    # Merchant-initiated charge of the same amount as the mandate's.
    same_amount_as_mandate: bool = False
    # Exempted payments of this customer since its last authenticated one,
    # as far as the shop knows (the issuer keeps its own counter).
    previous_exempt_cents: int = 0
    previous_exempt_count: int = 0
    # "amount" or "count": which counter the issuer is known to use.
    low_value_counter: str = "amount"
    request_low_value: bool = True
    provider_supports_tra: bool = False
    fraud_rate_ppm: int | None = None


def tra_allowed(amount_cents: int, fraud_rate_ppm: int | None) -> bool:
    """Tell whether a provider with this fraud rate may exempt this amount (RTS art. 18)."""
    if fraud_rate_ppm is None or fraud_rate_ppm < 0:
        return False
    for ceiling, max_rate in TRA_BANDS:
        if amount_cents <= ceiling:
            return fraud_rate_ppm <= max_rate
    return False


def low_value_allowed(ctx: ScaContext) -> bool:
    """RTS art. 16: ≤ €30 and previous exempt payments within €100 or five (one counter)."""
    if ctx.amount_cents > LOW_VALUE_MAX_CENTS:
        return False
    if ctx.low_value_counter == "count":
        return ctx.previous_exempt_count <= LOW_VALUE_MAX_COUNT
    return ctx.previous_exempt_cents <= LOW_VALUE_CUMULATIVE_MAX_CENTS


def sca_exemption(ctx: ScaContext) -> str:
    """Return the exemption to request for a payment ("" means none: full 3DS).

    Merchant-initiated charges are out of SCA scope and are flagged as such
    (recurring when the amount is the mandate's). Setting up a mandate
    always asks for a challenge. Otherwise low value is preferred, then
    transaction risk analysis when the provider offers it and its fraud
    rate allows the amount.
    """
    if ctx.amount_cents <= 0:
        raise ValueError("the amount must be positive")
    if not ctx.customer_initiated:
        return RECURRING if ctx.same_amount_as_mandate else MIT
    if ctx.sets_up_mandate:
        return CHALLENGE
    if ctx.request_low_value and low_value_allowed(ctx):
        return LOW_VALUE
    if ctx.provider_supports_tra and tra_allowed(ctx.amount_cents, ctx.fraud_rate_ppm):
        return TRA
    return NONE


SOFT_DECLINE_CODES = frozenset({"authentication_required", "1A", "65"})


def soft_decline_retry(*, decline_code: str, exemption: str, retries: int) -> str | None:
    """After a decline, return the exemption for a retry, or None for no retry.

    A soft decline ("SCA required": Visa 1A, Mastercard 65) is retried
    once, with a full challenge, never again without it.
    """
    if decline_code in SOFT_DECLINE_CODES and retries == 0 and exemption != CHALLENGE:
        return CHALLENGE
    return None


def authorisation_cents(*, total_cents: int, weighed_cents: int, margin_percent: int) -> int:
    """The amount to authorise: the order total plus a margin on goods sold by weight.

    Rounded once, half up, on the margin.
    """
    if total_cents < 0 or weighed_cents < 0 or margin_percent < 0 or weighed_cents > total_cents:
        raise ValueError("amounts and margin must be positive, weighed goods within the total")
    return total_cents + round_half_up(Decimal(weighed_cents) * margin_percent / 100)


@dataclass(frozen=True, slots=True)
class CapturePlan:
    capture_cents: int  # taken now
    release_cents: int  # given back to the card
    shortfall_cents: int  # above the authorisation: never captured, charged apart if at all


def capture_plan(*, authorised_cents: int, final_cents: int) -> CapturePlan:
    """Split a final amount against an authorisation; never capture above it."""
    if authorised_cents < 0 or final_cents < 0:
        raise ValueError("amounts must be positive")
    capture = min(final_cents, authorised_cents)
    return CapturePlan(
        capture_cents=capture,
        release_cents=authorised_cents - capture,
        shortfall_cents=final_cents - capture,
    )
