"""Pure rules of log-in: throttling arithmetic and recovery-code format."""

from __future__ import annotations

from dataclasses import dataclass

RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
RECOVERY_LENGTH = 10


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """``limit`` failures within ``window_s`` lock the key for ``lockout_s``."""

    limit: int
    window_s: int
    lockout_s: int


def is_locked_out(failures: int, policy: ThrottlePolicy) -> bool:
    """Return whether ``failures`` in the current window reach the limit."""
    return failures >= policy.limit


def minutes_to_wait(seconds_left: float) -> int:
    """Round a remaining lockout up to whole minutes, at least one."""
    whole = int(seconds_left)
    minutes = whole // 60 + (1 if whole % 60 or seconds_left > whole else 0)
    return max(1, minutes)


def recovery_code_normalise(text: str) -> str:
    """Return a typed recovery code without spaces or dashes, in capitals."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def recovery_code_format(raw: str) -> str:
    """Show a code in two halves (``ABCDE-FGHJK``) so it is easy to copy."""
    half = len(raw) // 2
    return f"{raw[:half]}-{raw[half:]}"
