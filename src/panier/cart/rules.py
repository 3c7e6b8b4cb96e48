"""Basket rules. Pure: no Django."""

from __future__ import annotations

import re

MAX_QUANTITY = 99

# ASCII digits only: str.isdigit() also accepts characters such as "²"
# that int() cannot parse.
_DIGITS = re.compile(r"[0-9]{1,6}")


def parse_quantity(raw: object, *, allow_zero: bool = False) -> int | None:
    """Return a quantity from user input, or None when it is not acceptable.

    Accepts an int or a string of digits; refuses booleans, floats, signs,
    values above MAX_QUANTITY and, unless ``allow_zero``, zero.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _DIGITS.fullmatch(raw.strip()):
        value = int(raw.strip())
    else:
        return None
    lowest = 0 if allow_zero else 1
    if value < lowest or value > MAX_QUANTITY:
        return None
    return value
