"""Shared counters for rate limits and the waiting room.

``RedisCounters`` shares them across processes and hosts; without Redis,
``LocalCounters`` keeps them per process (each worker then enforces its
own share of the limits).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

PASS, ADMIT, WAIT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Arrival:
    """What the waiting room decided for one new visitor.

    ``verdict``: PASS (no overload, no ticket), ADMIT (the ticket's turn
    came, or the overload is over) or WAIT (``ticket`` is the visitor's
    place, new or kept); ``admitted`` is the admission mark when it was read.
    """

    verdict: int
    admitted: int
    ticket: int


class Counters(Protocol):
    def hit(self, key: str, window_s: int, now_s: float) -> int:
        """Count one hit in the fixed window containing ``now_s``; return the count."""
        ...

    def peek(self, key: str, window_s: int, now_s: float) -> int:
        """Return the hits counted so far in the window containing ``now_s``."""
        ...

    def count_event(self, key: str, window_s: int, now_s: float) -> None:
        """Count one hit like ``hit``, for figures only: the store may see it late (batched once a second)."""
        ...

    def tickets_issued(self) -> int: ...

    def next_ticket(self) -> int:
        """Return the next waiting-room ticket number (1, 2, 3…)."""
        ...

    def admitted_up_to(self) -> int:
        """Return the highest ticket number admitted so far."""
        ...

    def admit(self, *, rate_per_s: float, now_s: float) -> int:
        """Admit up to ``rate_per_s`` more tickets per elapsed second; return the new mark."""
        ...

    def arrive(self, *, now_s: float, threshold: int, busy: bool, ticket: int | None, rate_per_s: float) -> Arrival:
        """Count a new visitor's arrival and decide in one step (one round trip with Redis).

        Overloaded means ``busy`` or more than ``threshold`` arrivals in this
        second. Without overload and without a ticket: PASS. Otherwise the
        admission mark advances (``admit``); a ticket at or under the mark,
        or any ticket once the overload is over, is ADMIT; else WAIT, with a
        new ticket when the visitor had none.
        """
        ...

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl_s: int | None = None) -> None: ...


class LocalCounters:
    """In-process counters, guarded by a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, int], int] = {}
        self._values: dict[str, tuple[str, float | None]] = {}
        self._tickets = 0
        self._admitted = 0
        self._last_admit = time.time()

    def hit(self, key: str, window_s: int, now_s: float) -> int:
        window = int(now_s // window_s)
        with self._lock:
            if len(self._hits) > 50_000:
                self._hits = {k: v for k, v in self._hits.items() if k[1] >= window - 1}
            count = self._hits.get((key, window), 0) + 1
            self._hits[(key, window)] = count
            return count

    def peek(self, key: str, window_s: int, now_s: float) -> int:
        return self._hits.get((key, int(now_s // window_s)), 0)

    def count_event(self, key: str, window_s: int, now_s: float) -> None:
        self.hit(key, window_s, now_s)

    def tickets_issued(self) -> int:
        return self._tickets

    def next_ticket(self) -> int:
        with self._lock:
            self._tickets += 1
            return self._tickets

    def admitted_up_to(self) -> int:
        return self._admitted

    def admit(self, *, rate_per_s: float, now_s: float) -> int:
        with self._lock:
            elapsed = now_s - self._last_admit
            grant = int(elapsed * rate_per_s)
            if grant >= 1:
                self._admitted = min(self._tickets, self._admitted + grant)
                self._last_admit = now_s
            elif self._admitted >= self._tickets:
                self._last_admit = now_s
            return self._admitted

    def arrive(self, *, now_s: float, threshold: int, busy: bool, ticket: int | None, rate_per_s: float) -> Arrival:
        arrivals = self.hit("arrivals", 1, now_s)
        overloaded = busy or arrivals > threshold
        if not overloaded and ticket is None:
            return Arrival(PASS, 0, 0)
        admitted = self.admit(rate_per_s=rate_per_s, now_s=now_s)
        if ticket is not None and (not overloaded or ticket <= admitted):
            return Arrival(ADMIT, admitted, ticket)
        return Arrival(WAIT, admitted, ticket if ticket is not None else self.next_ticket())

    def get(self, key: str) -> str | None:
        value = self._values.get(key)
        if value is None:
            return None
        text, expires = value
        if expires is not None and expires < time.time():
            self._values.pop(key, None)
            return None
        return text

    def set(self, key: str, value: str, ttl_s: int | None = None) -> None:
        self._values[key] = (value, time.time() + ttl_s if ttl_s else None)


class RedisCounters:
    """Counters in Redis, shared by every worker and host."""

    PREFIX = "panier:traffic:"
    # Advances the admission mark at most once a second, whatever the number
    # of workers, in one round trip: the winner of the second's lock grants
    # ARGV[1] more tickets, never past the last ticket issued.
    _ADMIT = """
    if redis.call('SET', KEYS[3], '1', 'NX', 'EX', 5) then
        local tickets = tonumber(redis.call('GET', KEYS[1]) or '0')
        local admitted = tonumber(redis.call('GET', KEYS[2]) or '0')
        local mark = math.min(tickets, admitted + tonumber(ARGV[1]))
        redis.call('SET', KEYS[2], mark)
        return mark
    end
    return tonumber(redis.call('GET', KEYS[2]) or '0')
    """

    # ``arrive`` in one round trip: the same steps as LocalCounters.arrive,
    # atomically. KEYS: this second's arrivals, tickets, admission mark,
    # this second's admission lock; ARGV: threshold, busy, ticket (0: none),
    # tickets granted a second.
    _ARRIVE = """
    local arrivals = redis.call('INCR', KEYS[1])
    redis.call('EXPIRE', KEYS[1], 2)
    local overloaded = ARGV[2] == '1' or arrivals > tonumber(ARGV[1])
    local ticket = tonumber(ARGV[3])
    if not overloaded and ticket == 0 then
        return {0, 0, 0}
    end
    local admitted
    if redis.call('SET', KEYS[4], '1', 'NX', 'EX', 5) then
        local tickets = tonumber(redis.call('GET', KEYS[2]) or '0')
        admitted = math.min(tickets, tonumber(redis.call('GET', KEYS[3]) or '0') + tonumber(ARGV[4]))
        redis.call('SET', KEYS[3], admitted)
    else
        admitted = tonumber(redis.call('GET', KEYS[3]) or '0')
    end
    if ticket > 0 and ((not overloaded) or ticket <= admitted) then
        return {1, admitted, ticket}
    end
    if ticket == 0 then
        ticket = redis.call('INCR', KEYS[2])
    end
    return {2, admitted, ticket}
    """

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)
        self._admit = self._redis.register_script(self._ADMIT)
        self._arrive = self._redis.register_script(self._ARRIVE)
        self._pending_lock = threading.Lock()
        self._pending: dict[tuple[str, int, int], int] = {}
        self._flushed_at = 0.0

    def _k(self, key: str) -> str:
        return self.PREFIX + key

    def hit(self, key: str, window_s: int, now_s: float) -> int:
        window = int(now_s // window_s)
        name = self._k(f"hit:{key}:{window}")
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window_s * 2)
        count, _ = pipe.execute()
        return int(count)

    def peek(self, key: str, window_s: int, now_s: float) -> int:
        return int(self._redis.get(self._k(f"hit:{key}:{int(now_s // window_s)}")) or 0)

    def count_event(self, key: str, window_s: int, now_s: float) -> None:
        # Figures are gathered in process and written at most once a second,
        # so the tiny pages served under load make no extra round trip.
        slot = (key, window_s, int(now_s // window_s))
        with self._pending_lock:
            self._pending[slot] = self._pending.get(slot, 0) + 1
            if now_s - self._flushed_at < 1.0:
                return
            pending, self._pending = self._pending, {}
            self._flushed_at = now_s
        pipe = self._redis.pipeline(transaction=False)
        for (name, window_len, window), count in pending.items():
            full = self._k(f"hit:{name}:{window}")
            pipe.incrby(full, count)
            pipe.expire(full, window_len * 2)
        pipe.execute()

    def tickets_issued(self) -> int:
        return int(self._redis.get(self._k("tickets")) or 0)

    def next_ticket(self) -> int:
        return int(self._redis.incr(self._k("tickets")))

    def admitted_up_to(self) -> int:
        return int(self._redis.get(self._k("admitted")) or 0)

    def admit(self, *, rate_per_s: float, now_s: float) -> int:
        keys = [self._k("tickets"), self._k("admitted"), self._k(f"admit-lock:{int(now_s)}")]
        return int(self._admit(keys=keys, args=[max(1, int(rate_per_s))]))

    def arrive(self, *, now_s: float, threshold: int, busy: bool, ticket: int | None, rate_per_s: float) -> Arrival:
        second = int(now_s)
        keys = [self._k(f"hit:arrivals:{second}"), self._k("tickets"), self._k("admitted"),
                self._k(f"admit-lock:{second}")]
        verdict, admitted, number = self._arrive(
            keys=keys, args=[threshold, 1 if busy else 0, ticket or 0, max(1, int(rate_per_s))]
        )
        return Arrival(int(verdict), int(admitted), int(number))

    def get(self, key: str) -> str | None:
        value = self._redis.get(self._k(key))
        return value.decode() if value is not None else None

    def set(self, key: str, value: str, ttl_s: int | None = None) -> None:
        self._redis.set(self._k(key), value, ex=ttl_s)


_counters: Counters | None = None
_counters_lock = threading.Lock()


def counters_get() -> Counters:
    """Return the process's counters (Redis when REDIS_URL is set)."""
    global _counters
    if _counters is None:
        from django.conf import settings

        with _counters_lock:
            if _counters is None:
                url = getattr(settings, "REDIS_URL", "")
                _counters = RedisCounters(url) if url else LocalCounters()
    return _counters


def counters_reset(counters: Counters | None = None) -> None:
    """Replace the process's counters (tests, or after a settings change)."""
    global _counters
    _counters = counters
