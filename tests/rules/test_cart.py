"""Basket quantity parsing: what a form or JSON body may send."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.cart.rules import MAX_QUANTITY, parse_quantity


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("abc", None),
        ("-1", None),
        ("0", None),
        (0, None),
        (10**9, None),
        ("1000000000", None),
        (True, None),
        (False, None),
        (1.5, None),
        (2.0, None),
        (" 3 ", 3),
        ("99", 99),
        ("100", None),
        (None, None),
        ("", None),
        ("+3", None),
        ("3.0", None),
        ("1_0", None),
        ("²", None),
        ("١٢", None),
        ("３", None),
        (1, 1),
        (99, 99),
        (-1, None),
        ("007", 7),
    ],
)
def test_parse_quantity(raw, expected):
    """Only a whole number of items from 1 to 99 given as ASCII digits or an int is accepted."""
    assert parse_quantity(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), (0, 0), ("-0", None), (False, None)])
def test_zero_is_accepted_only_when_asked(raw, expected):
    """Setting a line to zero (to remove it) is allowed with allow_zero; booleans never are."""
    assert parse_quantity(raw, allow_zero=True) == expected


@given(raw=st.one_of(st.text(max_size=12), st.integers(), st.floats(), st.none(), st.booleans()))
def test_parse_quantity_never_raises_and_stays_in_range(raw):
    """Any input gives None or an int between 1 and MAX_QUANTITY, never an exception."""
    value = parse_quantity(raw)

    assert value is None or (type(value) is int and 1 <= value <= MAX_QUANTITY)


@given(n=st.integers(min_value=1, max_value=MAX_QUANTITY), pad=st.sampled_from(["", " ", "\t", "\n"]))
def test_every_valid_quantity_round_trips(n, pad):
    """Every quantity from 1 to 99 is read back from its decimal text, spaces around allowed."""
    assert parse_quantity(f"{pad}{n}{pad}") == n
    assert parse_quantity(n) == n
