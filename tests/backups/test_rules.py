"""Pure rules: archive names, retention, freshness."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from panier.backups.rules import Retention, archive_name, archive_time, is_stale, retention_keep

instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))


@given(instants)
def test_archive_names_round_trip(when):
    """An archive name gives back the second it was taken."""
    assert archive_time(archive_name(when)) == when


@given(
    st.lists(instants, max_size=60, unique=True),
    st.integers(0, 8),
    st.integers(0, 5),
    st.integers(0, 13),
)
def test_retention_keeps_the_newest_and_at_most_one_per_period(times, daily, weekly, monthly):
    """Retention keeps only archives that exist, always the newest, and at most d + w + m (+1)."""
    names = [archive_name(t) for t in times]

    keep = retention_keep(names + ["notes.txt"], Retention(daily, weekly, monthly))

    assert "notes.txt" in keep
    assert keep - {"notes.txt"} <= set(names)
    if names:
        assert max(names, key=archive_time) in keep
        assert len(keep) - 1 <= max(1, daily + weekly + monthly)


def test_retention_of_a_year_of_daily_backups_is_7_4_12():
    """A backup every night for a year keeps 7 days, 4 weeks and 12 months: 20 distinct archives."""
    start = datetime(2026, 1, 1, 2, tzinfo=UTC)
    names = [archive_name(start + timedelta(days=d)) for d in range(365)]

    keep = sorted(retention_keep(names, Retention(7, 4, 12)))

    assert keep[-7:] == names[-7:]
    assert len(keep) == 20
    assert archive_name(datetime(2026, 1, 31, 2, tzinfo=UTC)) in keep


def test_staleness():
    """No run, or a run older than the allowed age, is stale."""
    now = datetime(2026, 5, 1, tzinfo=UTC)

    assert is_stale(None, max_age=timedelta(hours=24), now=now) is True
    assert is_stale(now - timedelta(hours=25), max_age=timedelta(hours=24), now=now) is True
    assert is_stale(now - timedelta(hours=23), max_age=timedelta(hours=24), now=now) is False
