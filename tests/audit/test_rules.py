"""Pure audit rules: redaction, IP prefixes, the hash chain, export limits, night hours."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from panier.audit import rules

KEY = b"k" * 32
PARIS = ZoneInfo("Europe/Paris")


def test_secret_values_are_redacted_and_others_kept():
    """Passwords, tokens and card data never reach the log; other values do."""
    changes = {"password": "hunter2", "api_token": "abc", "card_number": "4242", "status": ["paid", "ready"]}

    redacted = rules.changes_redact(changes)

    assert redacted == {"password": "[redacted]", "api_token": "[redacted]", "card_number": "[redacted]",
                        "status": ["paid", "ready"]}


def test_ip_prefix_keeps_the_network_only():
    """IPv4 keeps /24, IPv6 /48, mapped IPv4 is unwrapped, junk gives nothing."""
    assert rules.ip_prefix("203.0.113.77") == "203.0.113.0/24"
    assert rules.ip_prefix("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert rules.ip_prefix("::ffff:198.51.100.9") == "198.51.100.0/24"
    assert rules.ip_prefix("not-an-ip") == ""
    assert rules.ip_prefix(None) == ""


def _chain(payloads):
    rows, prev = [], rules.GENESIS_HASH
    for seq, payload in enumerate(payloads, start=1):
        digest = rules.entry_hash(key=KEY, prev_hash=prev, payload=payload)
        rows.append(rules.ChainRow(seq, seq, prev, digest, payload))
        prev = digest
    return rows


payloads = st.lists(
    st.fixed_dictionaries({"action": st.sampled_from(["view", "export"]), "object_id": st.text(max_size=8),
                           "rows": st.integers(0, 10**6)}),
    min_size=2, max_size=12,
)


@given(payloads)
def test_an_untouched_chain_verifies(items):
    """A chain built by the rules has no problem."""
    assert rules.chain_verify(_chain(items), key=KEY) == []


@given(payloads, st.data())
def test_any_changed_payload_is_detected(items, data):
    """Changing one entry's content breaks its hash."""
    rows = _chain(items)
    index = data.draw(st.integers(0, len(rows) - 1))
    row = rows[index]
    rows[index] = rules.ChainRow(row.pk, row.seq, row.prev_hash, row.hash, {**row.payload, "rows": -1})

    problems = rules.chain_verify(rows, key=KEY)

    assert (row.pk, "hash_mismatch") in [(p.pk, p.reason) for p in problems]


@given(payloads, st.data())
def test_a_removed_entry_is_detected(items, data):
    """Removing an entry from the middle leaves a gap and a broken link."""
    rows = _chain(items)
    index = data.draw(st.integers(1, len(rows) - 1))
    rows.pop(index)

    reasons = {p.reason for p in rules.chain_verify(rows, key=KEY)}

    if index < len(rows):
        assert {"gap", "link_broken"} <= reasons
    else:
        assert reasons == set()  # a missing tail is caught against the chain head


def test_a_chain_resumes_only_from_a_recorded_purge_hash():
    """After a purge the first row must follow a hash a purge entry recorded."""
    rows = _chain([{"n": 1}, {"n": 2}, {"n": 3}])[1:]

    assert [p.reason for p in rules.chain_verify(rows, key=KEY)] == ["start_unknown"]
    assert rules.chain_verify(rows, key=KEY, start_hashes=frozenset({rows[0].prev_hash})) == []


def test_another_key_cannot_forge_the_chain():
    """Hashes recomputed without the key do not verify."""
    rows = _chain([{"n": 1}, {"n": 2}])

    assert {p.reason for p in rules.chain_verify(rows, key=b"other")} == {"hash_mismatch"}


def test_local_day_bounds_follow_the_hub_time_zone():
    """A Paris day in winter starts at 23:00 UTC the day before."""
    start, end = rules.local_day_bounds(date(2026, 1, 15), PARIS)

    assert start.astimezone(UTC) == datetime(2026, 1, 14, 23, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 1, 15, 23, 0, tzinfo=UTC)


def test_night_hours_wrap_round_midnight_in_hub_time():
    """22-6 Paris: 21:30 UTC in winter is 22:30 local (night), 05:30 UTC is 06:30 (day)."""
    assert rules.is_night(datetime(2026, 1, 15, 21, 30, tzinfo=UTC), PARIS, start_hour=22, end_hour=6)
    assert not rules.is_night(datetime(2026, 1, 15, 5, 30, tzinfo=UTC), PARIS, start_hour=22, end_hour=6)
    assert rules.is_night(datetime(2026, 1, 15, 2, 0, tzinfo=UTC), PARIS, start_hour=1, end_hour=5)
    assert not rules.is_night(datetime(2026, 1, 15, 2, 0, tzinfo=UTC), PARIS, start_hour=0, end_hour=0)


LIMITS = rules.ExportLimits(rows_per_user=100, rows_per_hub=150, alert_rows=50)


def test_export_caps_and_alerts():
    """Caps refuse the export that would pass them; the alert fires once when crossing."""
    ok = rules.export_decide(rows=40, user_rows_today=0, hub_rows_today=0, limits=LIMITS, at_night=False)
    crossing = rules.export_decide(rows=20, user_rows_today=40, hub_rows_today=40, limits=LIMITS, at_night=False)
    after = rules.export_decide(rows=10, user_rows_today=60, hub_rows_today=60, limits=LIMITS, at_night=False)
    user_cap = rules.export_decide(rows=41, user_rows_today=60, hub_rows_today=60, limits=LIMITS, at_night=False)
    hub_cap = rules.export_decide(rows=30, user_rows_today=0, hub_rows_today=130, limits=LIMITS, at_night=False)
    night = rules.export_decide(rows=1, user_rows_today=0, hub_rows_today=0, limits=LIMITS, at_night=True)

    assert (ok.allowed, ok.alert) == (True, False)
    assert (crossing.allowed, crossing.alert) == (True, True)
    assert (after.allowed, after.alert) == (True, False)
    assert (user_cap.allowed, user_cap.reason) == (False, "user_cap")
    assert (hub_cap.allowed, hub_cap.reason) == (False, "hub_cap")
    assert (night.allowed, night.alert) == (True, True)


@given(st.lists(st.integers(0, 80), max_size=20))
def test_allowed_exports_never_exceed_the_caps(requests):
    """Whatever the sequence of requests, the allowed rows stay within both caps."""
    user_total = hub_total = 0
    for rows in requests:
        decision = rules.export_decide(rows=rows, user_rows_today=user_total, hub_rows_today=hub_total,
                                       limits=LIMITS, at_night=False)
        if decision.allowed:
            user_total += rows
            hub_total += rows
    assert user_total <= LIMITS.rows_per_user
    assert hub_total <= LIMITS.rows_per_hub
