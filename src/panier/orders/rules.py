"""The order life cycle as data. Pure: no Django."""

from __future__ import annotations

PENDING_PAYMENT = "pending_payment"
PAID = "paid"
IN_PREPARATION = "in_preparation"
READY = "ready"
OUT_FOR_DELIVERY = "out_for_delivery"
READY_FOR_PICKUP = "ready_for_pickup"
DELIVERED = "delivered"
CANCELLED = "cancelled"
PAYMENT_FAILED = "payment_failed"
REFUNDED = "refunded"

# Which states an order may move to from each state. "ready" leads to
# delivery or pickup depending on how the order is fulfilled.
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING_PAYMENT: frozenset({PAID, PAYMENT_FAILED, CANCELLED}),
    PAID: frozenset({IN_PREPARATION, CANCELLED, REFUNDED}),
    IN_PREPARATION: frozenset({READY, CANCELLED, REFUNDED}),
    READY: frozenset({OUT_FOR_DELIVERY, READY_FOR_PICKUP, CANCELLED, REFUNDED}),
    OUT_FOR_DELIVERY: frozenset({DELIVERED, READY}),
    READY_FOR_PICKUP: frozenset({DELIVERED}),
    DELIVERED: frozenset({REFUNDED}),
    CANCELLED: frozenset(),
    PAYMENT_FAILED: frozenset(),
    REFUNDED: frozenset(),
}

# States in which the order still holds stock and a slot booking.
HOLDS_RESERVATIONS = frozenset(
    {PENDING_PAYMENT, PAID, IN_PREPARATION, READY, OUT_FOR_DELIVERY, READY_FOR_PICKUP, DELIVERED}
)


def allowed_transitions(status: str, *, is_pickup: bool) -> list[str]:
    """Return the states an order in ``status`` may move to, in a stable order."""
    targets = TRANSITIONS[status]
    if is_pickup:
        targets = targets - {OUT_FOR_DELIVERY}
    else:
        targets = targets - {READY_FOR_PICKUP}
    order = list(TRANSITIONS)
    return sorted(targets, key=order.index)


def can_transition(status: str, target: str, *, is_pickup: bool) -> bool:
    return target in allowed_transitions(status, is_pickup=is_pickup)


def releases_reservations(status: str, target: str) -> bool:
    """Tell whether moving to ``target`` gives back the stock and slot."""
    return status in HOLDS_RESERVATIONS and target in {CANCELLED, PAYMENT_FAILED}


# What the capture paid for ----------------------------------------------------
#
# A weighed line may come out heavier than the amount authorised at payment;
# the capture never takes more than the authorisation, so some packed
# amount is never charged. Refunds and invoices must agree on which line
# went unpaid: a line is never refunded, nor billed, more than was paid for it.


def _share(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` (at most ``sum(weights)``) in proportion to ``weights``, by largest remainder."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum == 0:
        return [0] * len(weights)
    total = min(total, weight_sum)
    parts = [total * w // weight_sum for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def unpaid_shares(
    *, bases: list[int], ordered: list[int], fee_cents: int, captured_cents: int | None
) -> tuple[list[int], int]:
    """Say how much of each line's final amount (``bases``), and of the fee, the capture did not pay.

    The shortfall (final total above the capture) is taken first from the
    lines that came out heavier than ordered, in proportion to their
    increase, then from the fee, then from the lines in proportion to what
    is left on them. ``captured_cents`` None (not captured yet): nothing is
    unpaid.
    """
    if captured_cents is None:
        return [0] * len(bases), 0
    shortfall = max(0, sum(bases) + fee_cents - captured_cents)
    taken = _share(shortfall, [max(0, base - was) for base, was in zip(bases, ordered, strict=True)])
    shortfall -= sum(taken)
    fee_taken = min(shortfall, fee_cents)
    shortfall -= fee_taken
    more = _share(shortfall, [base - t for base, t in zip(bases, taken, strict=True)])
    return [t + m for t, m in zip(taken, more, strict=True)], fee_taken
