"""Traffic rules: client networks, admission tickets, geo decisions. Pure.

Nothing here touches Django, the network or a clock: callers pass the
current time and the secrets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

# Crawlers are never sent to a waiting room or an interstitial: a search
# engine that sees an interstitial would index it instead of the shop.
CRAWLER_MARKERS = (
    "googlebot",
    "bingbot",
    "duckduckbot",
    "qwantify",
    "applebot",
    "yandexbot",
    "baiduspider",
    "ecosia",
)


def network_of(ip: str) -> str:
    """Return the /24 (IPv4) or /48 (IPv6) network an address belongs to.

    Raises ValueError for a malformed address.
    """
    address = ipaddress.ip_address(ip.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def client_ip(remote_addr: str, forwarded_for: str, trusted_proxies: int) -> str:
    """Return the client address, trusting ``trusted_proxies`` hops of X-Forwarded-For.

    Each trusted proxy appends the address it received the request from,
    so the client is the entry ``trusted_proxies`` places from the right;
    anything further left was written by the client and is not trusted.
    """
    if trusted_proxies <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        return hops[0] if hops else remote_addr
    candidate = hops[-trusted_proxies]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote_addr
    return candidate


def window_start(now_s: float, window_s: int) -> int:
    """Return the start of the fixed rate-limit window that contains ``now_s``."""
    return int(now_s // window_s) * window_s


def retry_after_s(now_s: float, window_s: int) -> int:
    """Return the whole seconds until the current window ends (at least 1)."""
    return max(1, window_start(now_s, window_s) + window_s - int(now_s))


def is_crawler(user_agent: str) -> bool:
    ua = (user_agent or "").lower()
    return any(marker in ua for marker in CRAWLER_MARKERS)


# --- Waiting-room tickets --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ticket:
    """A place in the waiting-room queue: its number and when it was issued."""

    number: int
    issued_at: int


def _sign(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def ticket_encode(ticket: Ticket, secret: bytes) -> str:
    """Return a signed, tamper-evident cookie value for a ticket."""
    payload = f"{ticket.number}.{ticket.issued_at}"
    return f"{payload}.{_sign(secret, payload)}"


def ticket_decode(value: str, secret: bytes, *, now_s: float, max_age_s: int) -> Ticket | None:
    """Return the ticket of a cookie value, or None if forged, malformed or too old."""
    try:
        number_s, issued_s, signature = value.split(".")
        number, issued = int(number_s), int(issued_s)
    except (ValueError, AttributeError):
        return None
    expected = _sign(secret, f"{number_s}.{issued_s}")
    if not hmac.compare_digest(expected, signature):
        return None
    if number < 0 or issued > now_s + 5 or now_s - issued > max_age_s:
        return None
    return Ticket(number=number, issued_at=issued)


def queue_position(ticket_number: int, admitted_up_to: int) -> int:
    """Return how many visitors are ahead of a ticket (0: its turn has come)."""
    return max(0, ticket_number - admitted_up_to)


def eta_s(position: int, admissions_per_s: float) -> int:
    """Return the expected wait in seconds for a queue position."""
    if position <= 0:
        return 0
    if admissions_per_s <= 0:
        return 60
    return int(position / admissions_per_s) + 1


# --- Geo policy --------------------------------------------------------------

ALLOW = "allow"
INTERSTITIAL = "interstitial"
REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class GeoContext:
    country: str | None
    is_crawler: bool
    is_known_customer: bool
    is_exempt_path: bool


def geo_decision(context: GeoContext, policy: dict[str, str], *, default: str = ALLOW) -> str:
    """Return allow, interstitial or refuse for a visitor.

    Known customers (a session with an account or a basket), crawlers and
    exempt paths (health checks, static files) are always allowed; an
    unknown country falls back to ``default``.
    """
    if context.is_exempt_path or context.is_crawler or context.is_known_customer:
        return ALLOW
    if not context.country:
        return default
    return policy.get(context.country.upper(), default)
