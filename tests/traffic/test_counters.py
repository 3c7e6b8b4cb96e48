import uuid

import pytest
import redis

from panier.traffic.counters import ADMIT, PASS, WAIT, LocalCounters, RedisCounters

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_or_skip():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")


@pytest.mark.parametrize("kind", ["local", "redis"])
def test_counters_count_hits_per_window_and_issue_tickets_in_order(kind):
    """Hits are counted per fixed window; tickets are consecutive; admission never passes the tickets issued."""
    if kind == "redis":
        _redis_or_skip()
        counters = RedisCounters(REDIS_URL)
        counters.PREFIX = f"panier:test:{uuid.uuid4().hex}:"
    else:
        counters = LocalCounters()

    hits = [counters.hit("k", 60, 120.0 + i) for i in range(3)]
    next_window = counters.hit("k", 60, 180.0)
    tickets = [counters.next_ticket() for _ in range(3)]
    admitted = counters.admit(rate_per_s=100, now_s=10**10)

    assert hits == [1, 2, 3]
    assert next_window == 1
    assert tickets == [1, 2, 3]
    assert admitted == 3


def test_shared_admission_mark_grants_its_rate_once_a_second_and_never_passes_the_tickets():
    """Within one second the Redis mark moves once by the rate, whatever the callers; it stops at the last ticket."""
    _redis_or_skip()
    counters = RedisCounters(REDIS_URL)
    counters.PREFIX = f"panier:test:{uuid.uuid4().hex}:"
    start = 10**9 + 0.1
    for _ in range(10):
        counters.next_ticket()

    first = counters.admit(rate_per_s=3, now_s=start + 1)
    same_second = counters.admit(rate_per_s=3, now_s=start + 1.5)
    later = counters.admit(rate_per_s=3, now_s=start + 2)
    far_later = [counters.admit(rate_per_s=3, now_s=start + 3 + s) for s in range(5)][-1]

    assert (first, same_second, later) == (3, 3, 6)
    assert far_later == 10
    assert counters.admitted_up_to() == 10


def test_protection_events_reach_redis_in_batches():
    """Events counted for the operator's figures are written at most once a second, none lost."""
    _redis_or_skip()
    counters = RedisCounters(REDIS_URL)
    counters.PREFIX = f"panier:test:{uuid.uuid4().hex}:"

    counters.count_event("stats:interstitial", 60, 600.0)
    written_at_once = counters.peek("stats:interstitial", 60, 600.0)
    for i in range(5):
        counters.count_event("stats:interstitial", 60, 600.1 + i / 10)
    buffered = counters.peek("stats:interstitial", 60, 600.0)
    counters.count_event("stats:interstitial", 60, 601.2)

    assert written_at_once == 1
    assert buffered == 1
    assert counters.peek("stats:interstitial", 60, 601.2) == 7


@pytest.mark.parametrize("kind", ["local", "redis"])
def test_arrive_counts_decides_and_issues_tickets_in_one_step(kind):
    """Below the threshold a visitor passes; above it tickets are issued in order and admitted at the rate."""
    if kind == "redis":
        _redis_or_skip()
        counters = RedisCounters(REDIS_URL)
        counters.PREFIX = f"panier:test:{uuid.uuid4().hex}:"
    else:
        counters = LocalCounters()
    now = 10**9 + 0.5
    if kind == "local":
        counters._last_admit = now

    def arrive(ticket=None, *, at=now, busy=False):
        return counters.arrive(now_s=at, threshold=2, busy=busy, ticket=ticket, rate_per_s=1)

    first, second = arrive(), arrive()
    third, fourth = arrive(), arrive()
    forced = arrive(busy=True, at=now + 0.1)
    kept_waiting = arrive(third.ticket, at=now + 0.2)
    later = arrive(third.ticket, at=now + 1.1)
    quiet = arrive(fourth.ticket, at=now + 5.1)

    assert (first.verdict, second.verdict) == (PASS, PASS)
    assert (third.verdict, third.ticket, fourth.verdict, fourth.ticket) == (WAIT, 1, WAIT, 2)
    assert (forced.verdict, forced.ticket) == (WAIT, 3)
    assert (kept_waiting.verdict, kept_waiting.ticket) == (WAIT, 1)
    assert (later.verdict, later.admitted) == (ADMIT, 1)
    assert quiet.verdict == ADMIT
    assert counters.peek("arrivals", 1, now) == 6
