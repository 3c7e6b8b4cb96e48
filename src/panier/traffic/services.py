"""Traffic writes and live figures for the operator."""

from __future__ import annotations

import time
from dataclasses import dataclass

from panier.traffic.counters import counters_get
from panier.traffic.middleware import IN_FLIGHT
from panier.traffic.models import AdmissionMode, TrafficSettings
from panier.traffic.policy import admission_mode, policy_cache_clear

EVENTS = ("admitted", "waiting", "shed", "rate_limited", "interstitial", "refused")


@dataclass(frozen=True)
class TrafficFigures:
    mode: str
    in_flight_this_process: int
    tickets_issued: int
    admitted_up_to: int
    per_minute: dict[str, tuple[int, int]]

    @property
    def queue_length(self) -> int:
        return max(0, self.tickets_issued - self.admitted_up_to)


def traffic_figures(*, now_s: float | None = None) -> TrafficFigures:
    """Return the live figures: this minute and the previous one, per event."""
    now_s = now_s or time.time()
    counters = counters_get()
    per_minute = {
        event: (counters.peek(f"stats:{event}", 60, now_s), counters.peek(f"stats:{event}", 60, now_s - 60))
        for event in EVENTS
    }
    return TrafficFigures(
        mode=admission_mode(),
        in_flight_this_process=IN_FLIGHT.count,
        tickets_issued=counters.tickets_issued(),
        admitted_up_to=counters.admitted_up_to(),
        per_minute=per_minute,
    )


def admission_mode_set(*, mode: str) -> TrafficSettings:
    """Force the waiting room on or off, or leave it to the measured load."""
    if mode not in AdmissionMode.values:
        raise ValueError(f"unknown admission mode {mode!r}")
    row = TrafficSettings.objects.order_by("pk").first() or TrafficSettings()
    row.admission_mode = mode
    row.save()
    policy_cache_clear()
    return row
