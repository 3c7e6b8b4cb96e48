"""Cached policies: one reload at a time, and the previous value when the database fails."""

import threading
import time

from django.db import DatabaseError

from panier.traffic import policy


def _expired(key: str, value: object) -> None:
    policy._cache[key] = (time.monotonic() - policy._TTL_S - 1, value)


def test_expired_entry_is_reloaded_once_and_kept():
    """An expired entry is loaded again and the new value is served until it expires."""
    _expired("demo", "old")
    loads = []

    first = policy._cached("demo", lambda: loads.append(1) or "new")
    second = policy._cached("demo", lambda: loads.append(1) or "newer")

    assert (first, second) == ("new", "new")
    assert loads == [1]


def test_while_one_thread_reloads_the_others_answer_with_the_previous_value():
    """A reload in progress elsewhere does not send a second query."""
    _expired("demo", "old")
    policy._refreshing.add("demo")
    try:
        value = policy._cached("demo", lambda: (_ for _ in ()).throw(AssertionError("queried")))
    finally:
        policy._refreshing.discard("demo")

    assert value == "old"


def test_a_failing_reload_keeps_the_previous_value():
    """With the database unreachable, the protections keep the policy they had."""
    _expired("demo", "old")

    def broken():
        raise DatabaseError("connection refused")

    value = policy._cached("demo", broken)

    assert value == "old"
    assert "demo" not in policy._refreshing


def test_first_load_is_one_query_for_many_threads():
    """Threads that all start with an empty cache wait for one load instead of each querying."""
    loads = []
    gate = threading.Event()

    def slow_load():
        loads.append(1)
        gate.wait(5)
        return "value"

    results = []
    threads = [threading.Thread(target=lambda: results.append(policy._cached("demo", slow_load))) for _ in range(5)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    gate.set()
    for thread in threads:
        thread.join(5)

    assert loads == [1]
    assert results == ["value"] * 5
