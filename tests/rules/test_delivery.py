"""Delivery rules: postal codes, fees, cut-offs across DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.delivery.rules import (
    cutoff_for,
    delivery_fee_cents,
    local_window,
    normalise_postal_code,
    slot_is_open,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06000", "06000"),
        (" 06 000 ", "06000"),
        ("06\t100", "06100"),
        ("6000", None),
        ("ABCDE", None),
        ("060000", None),
        ("", None),
        (None, None),
        ("06-000", None),
        ("０６０００", None),
    ],
)
def test_normalise_postal_code(raw, expected):
    """A French postal code is five ASCII digits once spaces are removed."""
    assert normalise_postal_code(raw) == expected


@pytest.mark.parametrize(
    ("goods", "expected"),
    [(0, 690), (5999, 690), (6000, 0), (6001, 0), (10**7, 0)],
)
def test_delivery_is_free_from_the_threshold_on(goods, expected):
    """The fee is waived at exactly the threshold and above."""
    assert delivery_fee_cents(fee_cents=690, free_above_cents=6000, goods_cents=goods) == expected


def test_zone_without_threshold_always_charges():
    """A zone with no free-delivery threshold charges its fee for any basket."""
    assert delivery_fee_cents(fee_cents=690, free_above_cents=None, goods_cents=10**7) == 690


@pytest.mark.parametrize(
    ("slot_day", "cutoff_utc"),
    [
        # Last Sunday of March 2026 is the 29th: clocks go from UTC+1 to UTC+2.
        (date(2026, 3, 28), datetime(2026, 3, 26, 17, 0, tzinfo=UTC)),
        (date(2026, 4, 4), datetime(2026, 4, 2, 16, 0, tzinfo=UTC)),
        # Last Sunday of October 2026 is the 25th: back from UTC+2 to UTC+1.
        (date(2026, 10, 24), datetime(2026, 10, 22, 16, 0, tzinfo=UTC)),
        (date(2026, 10, 31), datetime(2026, 10, 29, 17, 0, tzinfo=UTC)),
    ],
)
def test_saturday_cutoff_two_days_before_at_18_is_thursday_18_local(slot_day, cutoff_utc):
    """"Thursday 18:00 for Saturday" stays 18:00 in Paris on both sides of a DST change."""
    assert slot_day.weekday() == 5
    cutoff = cutoff_for(slot_day, days_before=2, at=time(18, 0), tz=PARIS)

    assert cutoff == cutoff_utc
    assert cutoff.astimezone(UTC) == cutoff_utc
    assert cutoff.astimezone(PARIS).time() == time(18, 0)
    assert cutoff.astimezone(PARIS).date() == slot_day - timedelta(days=2)


@pytest.mark.parametrize(
    ("slot_day", "cutoff_utc"),
    [
        # The cut-off falls before the change, the slot after it.
        (date(2026, 3, 30), datetime(2026, 3, 28, 17, 0, tzinfo=UTC)),
        (date(2026, 10, 26), datetime(2026, 10, 24, 16, 0, tzinfo=UTC)),
        # The cut-off is on the day of the change itself.
        (date(2026, 3, 31), datetime(2026, 3, 29, 16, 0, tzinfo=UTC)),
        (date(2026, 10, 27), datetime(2026, 10, 25, 17, 0, tzinfo=UTC)),
    ],
)
def test_cutoff_spanning_a_dst_change_counts_calendar_days(slot_day, cutoff_utc):
    """Days before are calendar days in hub time, not multiples of 24 hours."""
    assert cutoff_for(slot_day, days_before=2, at=time(18, 0), tz=PARIS) == cutoff_utc


def test_local_window_across_the_october_change():
    """A 09:00-11:00 window on the day clocks go back is 08:00-10:00 UTC."""
    start, end = local_window(date(2026, 10, 25), time(9), time(11), PARIS)

    assert start == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 10, 0, tzinfo=UTC)


def test_slot_closes_at_the_cutoff_instant():
    """A slot takes orders strictly before its cut-off, whatever the time zone of now."""
    cutoff = datetime(2026, 3, 26, 18, 0, tzinfo=PARIS)

    assert slot_is_open(cutoff, now=datetime(2026, 3, 26, 16, 59, 59, tzinfo=UTC))
    assert not slot_is_open(cutoff, now=datetime(2026, 3, 26, 17, 0, tzinfo=UTC))
    assert not slot_is_open(cutoff, now=datetime(2026, 3, 26, 18, 0, tzinfo=PARIS))


@pytest.mark.parametrize(
    ("cutoff", "now"),
    [
        (datetime(2026, 3, 26, 18, 0), datetime(2026, 3, 26, 12, 0, tzinfo=UTC)),
        (datetime(2026, 3, 26, 18, 0, tzinfo=UTC), datetime(2026, 3, 26, 12, 0)),
    ],
)
def test_slot_is_open_refuses_naive_datetimes(cutoff, now):
    """Comparing a naive datetime would silently use the wrong time zone: it raises instead."""
    with pytest.raises(ValueError, match="aware"):
        slot_is_open(cutoff, now=now)


@given(
    day=st.dates(min_value=date(2000, 1, 3), max_value=date(2100, 1, 1)),
    days_before=st.integers(min_value=0, max_value=14),
    hour=st.integers(min_value=4, max_value=23),
    minute=st.integers(min_value=0, max_value=59),
    tz=st.sampled_from(["Europe/Paris", "Europe/London", "America/New_York", "UTC", "Pacific/Noumea"]),
)
def test_cutoff_is_the_local_time_asked_for(day, days_before, hour, minute, tz):
    """For any day and zone, the cut-off read back in hub time is the day and hour asked for."""
    zone = ZoneInfo(tz)
    cutoff = cutoff_for(day, days_before=days_before, at=time(hour, minute), tz=zone)
    local = cutoff.astimezone(UTC).astimezone(zone)

    assert local.date() == day - timedelta(days=days_before)
    assert (local.hour, local.minute) == (hour, minute)
