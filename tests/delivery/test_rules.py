"""Pure delivery rules: slot times in hub time, schedules, zones."""

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from panier.delivery import rules
from panier.delivery.rules import Closure, Cutoff, SpecialWindow, Window

PARIS = ZoneInfo("Europe/Paris")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = [PARIS, TOKYO, NEW_YORK, ZoneInfo("Pacific/Auckland"), ZoneInfo("UTC"), ZoneInfo("Australia/Lord_Howe")]
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
SATURDAY = 5
SUNDAY = 6


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def window(weekdays, start=time(9), end=time(12), *, days_before=2, at=time(18), key="s1", kind="delivery", point=None):
    return Window(key, kind, point, frozenset(weekdays), start, end, 20, Cutoff(days_before, at))


def plan(windows, *, first_day, days=7, closures=(), specials=(), tz=PARIS, now=LONG_AGO):
    return rules.slots_plan(
        windows=list(windows), closures=list(closures), specials=list(specials), tz=tz,
        first_day=first_day, days=days, now=now,
    )


# Slot times ------------------------------------------------------------------


def test_thursday_six_pm_for_saturday_in_winter_and_summer():
    """"Thursday 18:00 for Saturday" closes at 17:00 UTC in winter and 16:00 UTC in summer."""
    winter = rules.slot_times(date(2027, 1, 16), time(9), time(12), Cutoff(2, time(18)), PARIS)
    summer = rules.slot_times(date(2027, 7, 17), time(9), time(12), Cutoff(2, time(18)), PARIS)

    assert winter == (utc(2027, 1, 16, 8), utc(2027, 1, 16, 11), utc(2027, 1, 14, 17))
    assert summer == (utc(2027, 7, 17, 7), utc(2027, 7, 17, 10), utc(2027, 7, 15, 16))


def test_spring_forward_weekend_in_paris():
    """On 2027-03-28 Paris skips 02:00-03:00: the Saturday cut-off is in winter
    time, the Sunday slot in summer time, 14 real hours apart instead of 15."""
    starts, ends, cutoff = rules.slot_times(date(2027, 3, 28), time(9), time(11), Cutoff(1, time(18)), PARIS)

    assert (starts, ends, cutoff) == (utc(2027, 3, 28, 7), utc(2027, 3, 28, 9), utc(2027, 3, 27, 17))
    assert starts - cutoff == timedelta(hours=14)


def test_a_skipped_time_moves_after_the_change():
    """A cut-off at 02:30 on the spring-forward night is 03:30 summer time (01:30 UTC)."""
    _, _, cutoff = rules.slot_times(date(2027, 3, 28), time(9), time(11), Cutoff(0, time(2, 30)), PARIS)

    assert cutoff == utc(2027, 3, 28, 1, 30)
    assert cutoff.astimezone(PARIS).strftime("%H:%M %Z") == "03:30 CEST"


def test_a_window_starting_in_the_skipped_hour_keeps_its_length():
    """02:30-03:30 on the spring-forward night would collapse to nothing; it keeps its hour."""
    starts, ends, _ = rules.slot_times(date(2027, 3, 28), time(2, 30), time(3, 30), Cutoff(1, time(18)), PARIS)

    assert ends - starts == timedelta(hours=1)
    assert starts == utc(2027, 3, 28, 1, 30)


def test_fall_back_weekend_in_paris():
    """On 2027-10-31 02:00-03:00 happens twice: a repeated time is its first
    occurrence, so a 02:00-04:00 window lasts three real hours."""
    starts, ends, cutoff = rules.slot_times(date(2027, 10, 31), time(2), time(4), Cutoff(1, time(18)), PARIS)

    assert starts == utc(2027, 10, 31, 0)  # 02:00 CEST
    assert ends == utc(2027, 10, 31, 3)  # 04:00 CET
    assert cutoff == utc(2027, 10, 30, 16)  # Saturday 18:00 CEST


def test_sunday_windows_either_side_of_the_fall_back_keep_their_wall_clock_time():
    """A weekly 09:00 window is 07:00 UTC before the change and 08:00 UTC after it."""
    slots = plan([window([SUNDAY], days_before=1)], first_day=date(2027, 10, 24), days=8)

    assert [s.starts_at for s in slots] == [utc(2027, 10, 24, 7), utc(2027, 10, 31, 8)]
    assert [s.cutoff_at for s in slots] == [utc(2027, 10, 23, 16), utc(2027, 10, 30, 16)]


def test_a_hub_in_another_time_zone():
    """A Tokyo hub's Saturday 10:00 slot starts at 01:00 UTC; orders close Thursday 18:00 Tokyo time."""
    slots = plan([window([SATURDAY], start=time(10), end=time(12))], first_day=date(2027, 3, 22), tz=TOKYO)

    assert len(slots) == 1
    assert slots[0].starts_at == utc(2027, 3, 27, 1)
    assert slots[0].cutoff_at == utc(2027, 3, 25, 9)


def test_new_york_springs_forward_two_weeks_before_paris():
    """The rule uses the hub's own zone: New York changes on 2027-03-14."""
    before = rules.slot_times(date(2027, 3, 13), time(9), time(11), Cutoff(0, time(6)), NEW_YORK)
    after = rules.slot_times(date(2027, 3, 14), time(9), time(11), Cutoff(0, time(6)), NEW_YORK)

    assert before[0] == utc(2027, 3, 13, 14)
    assert after[0] == utc(2027, 3, 14, 13)


def test_a_same_day_cutoff_after_the_start_is_brought_back_to_the_start():
    """A slot never takes orders once it has begun."""
    starts, _, cutoff = rules.slot_times(date(2027, 5, 1), time(9), time(11), Cutoff(0, time(10)), PARIS)

    assert cutoff == starts


@pytest.mark.parametrize(("start", "end", "days_before"), [(time(12), time(9), 1), (time(9), time(9), 1), (time(9), time(10), -1)])
def test_impossible_windows_are_refused(start, end, days_before):
    """A window that does not end after it starts, or a negative delay, is an error."""
    with pytest.raises(ValueError, match="window must end|negative"):
        rules.slot_times(date(2027, 5, 1), start, end, Cutoff(days_before, time(18)), PARIS)


# Schedules ---------------------------------------------------------------------


def test_cutoff_exactly_at_the_boundary():
    """At the cut-off instant the slot is no longer generated; a microsecond before, it is."""
    weekly = [window([SATURDAY])]
    cutoff = utc(2027, 5, 13, 16)  # Thursday 18:00 CEST for Saturday 15 May

    assert len(plan(weekly, first_day=date(2027, 5, 10), now=cutoff - timedelta(microseconds=1))) == 1
    assert plan(weekly, first_day=date(2027, 5, 10), now=cutoff) == []


def test_a_closure_removes_regular_windows_and_a_special_day_still_opens():
    """Holidays close the hub; a special day inside them opens anyway."""
    weekly = [window([SATURDAY, SUNDAY], days_before=1)]
    holidays = Closure(date(2027, 8, 7), date(2027, 8, 15), "Summer holidays")
    special = SpecialWindow("x1", date(2027, 8, 14), "delivery", None, time(10), time(12), 5, Cutoff(1, time(12)))

    slots = plan(weekly, first_day=date(2027, 8, 2), days=21, closures=[holidays], specials=[special])

    days = [s.starts_at.astimezone(PARIS).date() for s in slots]
    assert days == [date(2027, 8, 14), date(2027, 8, 21), date(2027, 8, 22)]
    assert slots[0].key == "x1"
    assert slots[0].capacity == 5


def test_a_replacing_special_day_removes_only_its_own_kind_and_place():
    """A replacing delivery window leaves the pickup windows of that day alone; an extra one adds."""
    deliveries = window([SATURDAY], key="s1")
    pickups = window([SATURDAY], key="s2", kind="pickup", point=7)
    replacing = SpecialWindow("x1", date(2027, 5, 15), "delivery", None, time(14), time(16), 8, Cutoff(2, time(18)), True)
    extra = SpecialWindow("x2", date(2027, 5, 15), "pickup", 7, time(17), time(18), 3, Cutoff(1, time(18)))

    slots = plan([deliveries, pickups], first_day=date(2027, 5, 10), specials=[replacing, extra])

    assert sorted(s.key for s in slots) == ["s2:2027-05-15", "x1", "x2"]


def test_validity_dates_bound_a_schedule():
    """A schedule valid from a date only produces slots from that date, until its end date."""
    summer = Window("s1", "delivery", None, frozenset(range(7)), time(9), time(10), 5, Cutoff(1, time(18)),
                    valid_from=date(2027, 6, 3), valid_until=date(2027, 6, 5))

    slots = plan([summer], first_day=date(2027, 6, 1), days=7)

    assert [s.key for s in slots] == ["s1:2027-06-03", "s1:2027-06-04", "s1:2027-06-05"]


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        plan([], first_day=date(2027, 6, 1), now=datetime(2027, 1, 1))  # noqa: DTZ001


times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def windows(draw, key="s1"):
    start = draw(st.times(max_value=time(22, 59)).map(lambda t: t.replace(second=0, microsecond=0)))
    end_minutes = draw(st.integers(start.hour * 60 + start.minute + 1, 23 * 60 + 59))
    return Window(
        key, "delivery", None, frozenset(draw(st.sets(st.integers(0, 6), min_size=1))), start,
        time(end_minutes // 60, end_minutes % 60), draw(st.integers(0, 100)),
        Cutoff(draw(st.integers(0, 7)), draw(times)),
    )


@settings(max_examples=150, deadline=None)
@given(day=days, w=windows(), tz=st.sampled_from(ZONES))
def test_slot_times_are_ordered_utc_and_in_wall_clock_time(day, w, tz):
    """For any window and zone: cut-off ≤ start < end, all in UTC, and the start
    shows the schedule's wall-clock time unless that time does not exist."""
    starts, ends, cutoff = rules.slot_times(day, w.start, w.end, w.cutoff, tz)

    assert cutoff <= starts < ends
    assert starts.tzinfo is UTC
    assert ends.tzinfo is UTC
    assert cutoff.tzinfo is UTC
    local = starts.astimezone(tz)
    naive = datetime.combine(day, w.start)
    exists = datetime.combine(day, w.start, tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive
    if exists:
        assert local.replace(tzinfo=None) == naive
    else:
        assert local.replace(tzinfo=None) > naive  # pushed past the skipped hour


@settings(max_examples=100, deadline=None)
@given(
    ws=st.lists(windows(), min_size=1, max_size=3),
    first_day=days,
    n_days=st.integers(1, 21),
    closed=st.tuples(st.integers(0, 20), st.integers(0, 6)),
    now_offset_h=st.integers(-48, 24 * 10),
    tz=st.sampled_from(ZONES),
)
def test_planned_slots_are_unique_open_outside_closures_and_repeatable(ws, first_day, n_days, closed, now_offset_h, tz):
    """Keys are unique, every slot can still be booked, none falls in a closure,
    and planning twice gives the same answer."""
    ws = [dataclasses.replace(w, key=f"s{i}") for i, w in enumerate(ws)]
    closure = Closure(first_day + timedelta(days=closed[0]), first_day + timedelta(days=closed[0] + closed[1]), "x")
    now = datetime.combine(first_day, time(12), tzinfo=UTC) + timedelta(hours=now_offset_h)

    slots = plan(ws, first_day=first_day, days=n_days, closures=[closure], tz=tz, now=now)

    assert len({s.key for s in slots}) == len(slots)
    assert all(s.cutoff_at > now for s in slots)
    for s in slots:
        day = date.fromisoformat(s.key.split(":")[1])
        assert not closure.covers(day)
        assert first_day <= day < first_day + timedelta(days=n_days)
        assert day.weekday() in ws[int(s.key[1:].split(":")[0])].weekdays
    assert slots == plan(ws, first_day=first_day, days=n_days, closures=[closure], tz=tz, now=now)


# Zones ---------------------------------------------------------------------------

NICE = (43.7102, 7.2620)
SQUARE = [(43.70, 7.25), (43.70, 7.28), (43.72, 7.28), (43.72, 7.25)]


def test_haversine_known_distance():
    """Nice to Marseille is about 159 km as the crow flies."""
    assert rules.haversine_m(*NICE, 43.2965, 5.3698) == pytest.approx(158_800, rel=0.01)


def test_point_in_polygon_inside_outside_and_border():
    """Inside and on the border count; outside does not; a closed ring works too."""
    assert rules.point_in_polygon((43.71, 7.26), SQUARE)
    assert rules.point_in_polygon((43.70, 7.26), SQUARE)  # on an edge
    assert rules.point_in_polygon((43.72, 7.28), SQUARE)  # a vertex
    assert not rules.point_in_polygon((43.73, 7.26), SQUARE)
    assert rules.point_in_polygon((43.71, 7.26), [*SQUARE, SQUARE[0]])
    assert not rules.point_in_polygon((43.71, 7.26), SQUARE[:2])


def test_point_in_a_concave_polygon():
    """The notch of a U-shaped area is outside it."""
    u_shape = [(0, 0), (0, 3), (3, 3), (3, 2), (1, 2), (1, 1), (3, 1), (3, 0)]
    assert rules.point_in_polygon((0.5, 1.5), u_shape)
    assert not rules.point_in_polygon((2, 1.5), u_shape)
    assert rules.point_in_polygon((2, 0.5), u_shape)


@pytest.mark.parametrize(
    ("text", "ok"),
    [("43.70, 7.25\n43.70, 7.28\n43.72, 7.28", True), ("43.70 7.25; 43.70 7.28; 43.72 7.28; 43.70 7.25", True),
     ("43.70, 7.25\n43.70, 7.28", False), ("a, b\n1, 2\n3, 4", False), ("91, 7\n1, 2\n3, 4", False),
     ("nan, 7\n1, 2\n3, 4", False), ("", False), ("1, 2, 3\n1, 2\n3, 4", False)],
)
def test_parse_polygon(text, ok):
    """Typed polygons need three valid pairs; anything else is a ValueError."""
    if ok:
        assert len(rules.parse_polygon(text)) == 3
    else:
        with pytest.raises(ValueError, match="pair|number|range|three"):
            rules.parse_polygon(text)


lats = st.floats(-60, 60, allow_nan=False)
lons = st.floats(-170, 170, allow_nan=False)


@given(lat1=lats, lon1=lons, lat2=lats, lon2=lons, lat3=lats, lon3=lons)
def test_haversine_is_a_distance(lat1, lon1, lat2, lon2, lat3, lon3):
    """Zero on itself, symmetric, and the triangle inequality holds."""
    d12 = rules.haversine_m(lat1, lon1, lat2, lon2)
    assert rules.haversine_m(lat1, lon1, lat1, lon1) == 0
    assert d12 == pytest.approx(rules.haversine_m(lat2, lon2, lat1, lon1))
    assert d12 <= rules.haversine_m(lat1, lon1, lat3, lon3) + rules.haversine_m(lat3, lon3, lat2, lon2) + 1e-6


@given(
    south=st.floats(40, 45), west=st.floats(0, 10), height=st.floats(0.001, 1), width=st.floats(0.001, 1),
    lat=st.floats(39, 47), lon=st.floats(-1, 12),
)
def test_a_rectangle_polygon_agrees_with_its_bounds(south, west, height, width, lat, lon):
    """For a rectangle, point-in-polygon is the bounding-box test (a point on the
    border counts as inside; the border is tolerant to 1e-12 degree)."""
    north, east = south + height, west + width
    assume(min(abs(lat - south), abs(lat - north), abs(lon - west), abs(lon - east)) > 1e-9
           or (south <= lat <= north and west <= lon <= east))
    rect = [(south, west), (south, east), (north, east), (north, west)]
    assert rules.point_in_polygon((lat, lon), rect) == (south <= lat <= north and west <= lon <= east)


@given(radius=st.integers(1, 50_000), bearing_lat=st.floats(-0.5, 0.5), bearing_lon=st.floats(-0.5, 0.5))
def test_radius_zone_matches_its_distance(radius, bearing_lat, bearing_lon):
    """A point is within the radius exactly when its distance is at most the radius."""
    point = (NICE[0] + bearing_lat, NICE[1] + bearing_lon)
    assert rules.within_radius(point, NICE, radius) == (rules.haversine_m(*point, *NICE) <= radius)
    assert rules.within_radius(NICE, NICE, 0)


def shape(key, kind, priority=100, **kw):
    return rules.ZoneShape(key=key, kind=kind, priority=priority, **kw)


def test_zone_priority_rules():
    """Lowest priority number first; on a tie polygon, then radius, then postal codes; then the oldest."""
    postal = shape(1, rules.POSTAL, postal_codes=frozenset({"06000"}))
    circle = shape(2, rules.RADIUS, centre=NICE, radius_m=5000)
    poly = shape(3, rules.POLYGON, polygon=tuple(SQUARE))
    inside = (43.71, 7.26)

    assert rules.zone_match([postal, circle, poly], postal_code="06000", point=inside) == poly
    assert rules.zone_match([postal, circle], postal_code="06000", point=inside) == circle
    assert rules.zone_match([postal, circle, poly], postal_code="06000", point=None) == postal
    urgent = shape(4, rules.POSTAL, priority=1, postal_codes=frozenset({"06000"}))
    assert rules.zone_match([postal, circle, poly, urgent], postal_code="06000", point=inside) == urgent
    twin = shape(0, rules.POLYGON, polygon=tuple(SQUARE))
    assert rules.zone_match([poly, twin], postal_code=None, point=inside) == twin
    assert rules.zone_match([postal, circle, poly], postal_code="75001", point=(48.85, 2.35)) is None


@given(priorities=st.lists(st.integers(0, 5), min_size=1, max_size=6))
def test_the_winning_zone_has_the_lowest_priority(priorities):
    """Whatever the mix, no covering zone has a lower priority than the winner."""
    kinds = [rules.POSTAL, rules.RADIUS, rules.POLYGON]
    zones = [
        shape(i, kinds[i % 3], p, postal_codes=frozenset({"06000"}), centre=NICE, radius_m=5000, polygon=tuple(SQUARE))
        for i, p in enumerate(priorities)
    ]
    won = rules.zone_match(zones, postal_code="06000", point=(43.71, 7.26))
    assert won is not None
    assert won.priority == min(priorities)
