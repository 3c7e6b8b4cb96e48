"""Pure rules of the audit log: hashing, redaction, IP prefixes, export limits.

No Django here: callers pass the clock, the key and the limits.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

GENESIS_HASH = "0" * 64
REDACTED = "[redacted]"

# Field names whose values never reach the log, whatever the caller passes.
SECRET_MARKERS = ("password", "secret", "token", "key", "card", "iban", "cvv", "cvc", "pan")


def is_secret_field(name: str) -> bool:
    """Tell whether a field's value must be hidden (passwords, tokens, card data)."""
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def changes_redact(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``changes`` with the value of every secret field replaced by a marker."""
    return {name: (REDACTED if is_secret_field(name) else value) for name, value in changes.items()}


def ip_prefix(address: str | None) -> str:
    """Truncate an IP address to its network: /24 for IPv4, /48 for IPv6.

    The full address identifies a household; the prefix is enough to spot
    a change of network. Anything unparsable gives an empty string.
    """
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def canonical(payload: Mapping[str, Any]) -> bytes:
    """Serialise an entry deterministically (sorted keys, no spaces, UTF-8)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(*, key: bytes, prev_hash: str, payload: Mapping[str, Any]) -> str:
    """Chain an entry to its predecessor: HMAC-SHA256(key, prev_hash || payload).

    Changing any field of any entry, or removing or reordering entries,
    changes every hash after it; without the key nobody can recompute them.
    """
    return hmac.new(key, prev_hash.encode("ascii") + b"\n" + canonical(payload), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainRow:
    """What the verifier needs from one stored entry."""

    pk: int
    seq: int
    prev_hash: str
    hash: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ChainProblem:
    pk: int
    seq: int
    reason: str


def chain_verify(rows: Iterable[ChainRow], *, key: bytes, start_hashes: frozenset[str] = frozenset()) -> list[ChainProblem]:
    """Check one chain, rows in ``seq`` order, and list every inconsistency.

    The first row must follow the genesis hash, or one of ``start_hashes``
    (hashes recorded when older rows were purged under the retention
    policy). Each later row must follow the previous one without a gap.
    """
    problems: list[ChainProblem] = []
    previous: ChainRow | None = None
    for row in rows:
        if previous is None:
            if row.prev_hash != GENESIS_HASH and row.prev_hash not in start_hashes:
                problems.append(ChainProblem(row.pk, row.seq, "start_unknown"))
        else:
            if row.seq != previous.seq + 1:
                problems.append(ChainProblem(row.pk, row.seq, "gap"))
            if row.prev_hash != previous.hash:
                problems.append(ChainProblem(row.pk, row.seq, "link_broken"))
        if entry_hash(key=key, prev_hash=row.prev_hash, payload=row.payload) != row.hash:
            problems.append(ChainProblem(row.pk, row.seq, "hash_mismatch"))
        previous = row
    return problems


def local_day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Return the aware start and end of a hub-local calendar day."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def is_night(moment: datetime, tz: tzinfo, *, start_hour: int, end_hour: int) -> bool:
    """Tell whether ``moment`` falls in the hub's night hours [start, end).

    The window may wrap round midnight (22 → 6) or not (1 → 5); equal
    hours mean no night window at all.
    """
    hour = moment.astimezone(tz).hour
    if start_hour == end_hour:
        return False
    if start_hour < end_hour:
        return start_hour <= hour < end_hour
    return hour >= start_hour or hour < end_hour


@dataclass(frozen=True, slots=True)
class ExportLimits:
    """Daily limits on rows of customer data exported (0 means no limit)."""

    rows_per_user: int
    rows_per_hub: int
    alert_rows: int


@dataclass(frozen=True, slots=True)
class ExportDecision:
    allowed: bool
    reason: str  # "" when allowed, else "user_cap" or "hub_cap"
    alert: bool


def export_decide(
    *, rows: int, user_rows_today: int, hub_rows_today: int, limits: ExportLimits, at_night: bool
) -> ExportDecision:
    """Decide whether an export of ``rows`` rows may run, and whether to alert.

    The caps apply to the total after the export. An export is reported
    to the hub owner when it crosses the alert threshold for the user, or
    when it runs in the hub's night hours.
    """
    user_after = user_rows_today + rows
    hub_after = hub_rows_today + rows
    if limits.rows_per_user and user_after > limits.rows_per_user:
        return ExportDecision(False, "user_cap", alert=True)
    if limits.rows_per_hub and hub_after > limits.rows_per_hub:
        return ExportDecision(False, "hub_cap", alert=True)
    crossed = bool(limits.alert_rows) and user_after >= limits.alert_rows > user_rows_today
    return ExportDecision(True, "", alert=crossed or at_night)
