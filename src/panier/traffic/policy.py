"""Reading the geo policies and admission settings, cached briefly in process."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.db import DatabaseError

from panier.traffic.models import AdmissionMode, HubGeoPolicy, TrafficSettings

_TTL_S = 15.0
_cache: dict[str, tuple[float, object]] = {}
_refresh_lock = threading.Lock()
_first_load_lock = threading.Lock()
_refreshing: set[str] = set()
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HubPolicy:
    hub_slug: str
    hub_name: str
    default_action: str
    countries: dict[str, str]
    delivery_area: str
    other_site_label: str
    other_site_url: str


def _cached(key: str, load):
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < _TTL_S:
        return hit[1]
    if hit is not None:
        # One thread reloads an expired entry; the others keep answering
        # with the previous value meanwhile instead of all querying at once.
        with _refresh_lock:
            if key in _refreshing:
                return hit[1]
            _refreshing.add(key)
        try:
            value = load()
        except DatabaseError:
            logger.warning("traffic.policy_reload_failed", exc_info=True)
            return hit[1]
        finally:
            _refreshing.discard(key)
    else:
        # The first load of a process: one query, the other threads wait
        # for its result (a server's threads all start at once).
        with _first_load_lock:
            hit = _cache.get(key)
            if hit is not None:
                return hit[1]
            value = load()
            _cache[key] = (time.monotonic(), value)
            return value
    _cache[key] = (time.monotonic(), value)
    return value


def policy_cache_clear() -> None:
    _cache.clear()


def hub_policies() -> dict[str, HubPolicy]:
    """Return the geo policy of every hub that has one, by hub slug."""

    def load() -> dict[str, HubPolicy]:
        result = {}
        for policy in HubGeoPolicy.objects.select_related("hub").prefetch_related("rules"):
            result[policy.hub.slug] = HubPolicy(
                hub_slug=policy.hub.slug,
                hub_name=policy.hub.name,
                default_action=policy.default_action,
                countries={rule.country.upper(): rule.action for rule in policy.rules.all()},
                delivery_area=policy.delivery_area,
                other_site_label=policy.other_site_label,
                other_site_url=policy.other_site_url,
            )
        return result

    return _cached("geo", load)


def admission_mode() -> str:
    def load() -> str:
        row = TrafficSettings.objects.order_by("pk").first()
        return row.admission_mode if row else AdmissionMode.AUTO

    return _cached("admission", load)
