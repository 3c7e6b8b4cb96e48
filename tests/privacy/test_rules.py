"""Pure GDPR rules, with the worked examples of the compliance facts as vectors."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from panier.privacy import rules

DETECTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_breach_deadline_is_72_hours_after_detection():
    """GDPR art. 33(1): detected Monday 09:00 UTC, notify by Thursday 09:00 UTC."""
    assert rules.breach_deadline(DETECTED) == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def test_breach_clock_counts_down_and_marks_late_notifications():
    """24 h left a day after detection; a notification 90 min late is overdue by 1 h 30."""
    running = rules.breach_clock(detected_at=DETECTED, notified_at=None, now=DETECTED + timedelta(days=2))
    late = rules.breach_clock(detected_at=DETECTED, notified_at=datetime(2026, 3, 5, 10, 30, tzinfo=UTC),
                              now=DETECTED + timedelta(days=30))

    assert (running.seconds_left, running.is_overdue) == (24 * 3600, False)
    assert (late.is_overdue, rules.duration_text_parts(late.seconds_left)) == (True, (1, 30))


@given(st.integers(0, 10**7))
def test_time_left_plus_time_elapsed_is_always_72_hours(elapsed_s):
    """Whatever the moment, elapsed time and time left add up to the 72-hour window."""
    clock = rules.breach_clock(detected_at=DETECTED, notified_at=None, now=DETECTED + timedelta(seconds=elapsed_s))

    assert clock.seconds_left + elapsed_s == 72 * 3600
    assert clock.is_overdue is (elapsed_s > 72 * 3600)


def test_customer_inactive_after_three_years_without_activity():
    """CNIL NS-048: 3 years from the last purchase; a later sign-up or purchase restarts the clock."""
    now = datetime(2026, 11, 24, tzinfo=UTC)
    joined = datetime(2020, 1, 1, tzinfo=UTC)
    days = 3 * 365

    assert rules.is_inactive(last_activity=datetime(2023, 11, 1, tzinfo=UTC), joined_at=joined, now=now, days=days)
    assert not rules.is_inactive(last_activity=datetime(2024, 1, 1, tzinfo=UTC), joined_at=joined, now=now, days=days)
    assert not rules.is_inactive(last_activity=None, joined_at=datetime(2025, 1, 1, tzinfo=UTC), now=now, days=days)


def test_erased_email_is_unique_and_undeliverable():
    """Each erased account gets its own address in the reserved .invalid domain."""
    assert rules.erased_email(42) == "erased-42@erased.invalid"
    assert rules.erased_email(42) != rules.erased_email(43)
