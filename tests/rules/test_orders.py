"""The order life cycle as data: transitions, fulfilment, releases."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.orders import rules
from panier.orders.rules import (
    HOLDS_RESERVATIONS,
    TRANSITIONS,
    allowed_transitions,
    can_transition,
    releases_reservations,
)

STATES = list(TRANSITIONS)
EDGES = [(source, target) for source, targets in TRANSITIONS.items() for target in sorted(targets)]


def test_every_target_is_a_defined_state():
    """The table is closed: every target is also a key, and terminal states lead nowhere."""
    assert set(STATES) == {
        "pending_payment", "paid", "in_preparation", "ready", "out_for_delivery",
        "ready_for_pickup", "delivered", "cancelled", "payment_failed", "refunded",
    }
    for targets in TRANSITIONS.values():
        assert targets <= set(STATES)
    for terminal in (rules.CANCELLED, rules.PAYMENT_FAILED, rules.REFUNDED):
        assert allowed_transitions(terminal, is_pickup=True) == []
        assert allowed_transitions(terminal, is_pickup=False) == []


@pytest.mark.parametrize(("source", "target"), EDGES)
def test_every_listed_transition_is_allowed_for_its_fulfilment(source, target):
    """Each edge of the table is allowed, except the one reserved to the other fulfilment."""
    assert can_transition(source, target, is_pickup=True) == (target != rules.OUT_FOR_DELIVERY)
    assert can_transition(source, target, is_pickup=False) == (target != rules.READY_FOR_PICKUP)


@pytest.mark.parametrize(
    ("source", "target"),
    [pair for pair in itertools.product(STATES, STATES) if pair[1] not in TRANSITIONS[pair[0]]],
)
def test_transitions_not_in_the_table_are_refused(source, target):
    """Anything not listed, including staying in place, is refused."""
    assert not can_transition(source, target, is_pickup=True)
    assert not can_transition(source, target, is_pickup=False)


def test_pickup_and_delivery_part_ways_at_ready():
    """A pickup order can't go out for delivery; a delivered one can't wait at a pickup point."""
    assert allowed_transitions(rules.READY, is_pickup=True) == [
        rules.READY_FOR_PICKUP, rules.CANCELLED, rules.REFUNDED,
    ]
    assert allowed_transitions(rules.READY, is_pickup=False) == [
        rules.OUT_FOR_DELIVERY, rules.CANCELLED, rules.REFUNDED,
    ]
    assert not can_transition(rules.READY, rules.OUT_FOR_DELIVERY, is_pickup=True)
    assert not can_transition(rules.READY, rules.READY_FOR_PICKUP, is_pickup=False)


def test_allowed_transitions_come_in_table_order():
    """The list a back office shows is stable: in the order the states are declared."""
    assert allowed_transitions(rules.PENDING_PAYMENT, is_pickup=False) == [
        rules.PAID, rules.CANCELLED, rules.PAYMENT_FAILED,
    ]


@pytest.mark.parametrize(("source", "target"), list(itertools.product(STATES, STATES)))
def test_only_cancelling_or_failing_a_holding_order_releases_reservations(source, target):
    """Stock and slot go back only when a holding order is cancelled or its payment fails."""
    expected = source in HOLDS_RESERVATIONS and target in (rules.CANCELLED, rules.PAYMENT_FAILED)
    assert releases_reservations(source, target) == expected


def test_allowed_releases_come_from_holding_states_only():
    """Every allowed move to cancelled or payment_failed starts from a state that holds stock."""
    for source, target in EDGES:
        if target in (rules.CANCELLED, rules.PAYMENT_FAILED):
            assert releases_reservations(source, target)
    assert not releases_reservations(rules.CANCELLED, rules.CANCELLED)
    assert not releases_reservations(rules.PAYMENT_FAILED, rules.CANCELLED)


@given(is_pickup=st.booleans(), choices=st.lists(st.integers(min_value=0, max_value=100), max_size=30))
def test_a_random_walk_stays_in_the_defined_states(is_pickup, choices):
    """Following allowed moves never reaches an unknown state nor the other fulfilment's state,
    and stock is released at most once along the way."""
    state = rules.PENDING_PAYMENT
    releases = 0
    for choice in choices:
        options = allowed_transitions(state, is_pickup=is_pickup)
        if not options:
            break
        target = options[choice % len(options)]
        assert can_transition(state, target, is_pickup=is_pickup)
        releases += releases_reservations(state, target)
        state = target
        assert state in TRANSITIONS
        assert state != (rules.OUT_FOR_DELIVERY if is_pickup else rules.READY_FOR_PICKUP)
    assert releases <= 1
    if releases:
        assert state in (rules.CANCELLED, rules.PAYMENT_FAILED)
