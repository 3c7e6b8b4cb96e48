"""A process's CPU priority (its niceness), for background workers."""

from __future__ import annotations

import os

#: Highest niceness Linux accepts.
MAX_NICE = 19


def niceness_increment(value: str) -> int:
    """Read how many steps nicer a process should become; ValueError with a clear message if wrong."""
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"--nice must be a whole number from 0 to {MAX_NICE}, not {value!r}.") from None
    if not 0 <= number <= MAX_NICE:
        raise ValueError(f"--nice must be from 0 to {MAX_NICE}, not {number}.")
    return number


def lower_priority(increment: int) -> int:
    """Make this process ``increment`` steps nicer (0: unchanged); return its niceness after."""
    return os.nice(increment)
