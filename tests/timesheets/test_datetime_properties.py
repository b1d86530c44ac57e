"""Properties of the wire datetimes: HTML5 local input and ISO 8601 output round-trip in every
zone, across DST gaps and overlaps (contract TIMESHEETS §1.1, §1.3)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from horae.api.wire import format_datetime, parse_local_datetime, parse_strict_datetime

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Pacific/Apia",
    "America/New_York",
    "Pacific/Tongatapu",
]
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$")

instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))
walls = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2037, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0)
)
zones = st.sampled_from(ZONES)


def wall_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def exists(wall: datetime, zone: str) -> bool:
    """Whether a wall time happens in a zone (it does not inside a spring-forward gap)."""
    tz = ZoneInfo(zone)
    round_trip = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return round_trip == wall


def ambiguous(wall: datetime, zone: str) -> bool:
    tz = ZoneInfo(zone)
    return wall.replace(tzinfo=tz, fold=0).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset()


@settings(max_examples=400, deadline=None)
@given(instant=instants, zone=zones)
def test_output_is_iso_8601_without_colon_and_parses_back_to_the_instant(instant, zone):
    text = format_datetime(instant, zone)
    assert ISO.match(text)
    assert datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z") == instant


@settings(max_examples=400, deadline=None)
@given(instant=instants, zone=zones)
def test_the_wall_time_of_an_instant_reads_back_to_it_unless_it_is_a_second_occurrence(instant, zone):
    local = instant.astimezone(ZoneInfo(zone))
    parsed = parse_local_datetime(wall_text(local), zone)
    if local.fold == 1 and ambiguous(local.replace(tzinfo=None), zone):
        # An ambiguous wall time is read as its first occurrence, one shift earlier.
        assert parsed is not None and parsed < instant
        assert format_datetime(parsed, zone)[:19] == wall_text(local)
    else:
        assert parsed == instant


@settings(max_examples=400, deadline=None)
@given(wall=walls, zone=zones)
def test_existing_wall_times_are_kept_and_gap_times_move_forward(wall, zone):
    parsed = parse_local_datetime(wall_text(wall), zone)
    assert parsed is not None
    shown = datetime.strptime(format_datetime(parsed, zone), "%Y-%m-%dT%H:%M:%S%z").replace(tzinfo=None)
    if exists(wall, zone):
        assert shown == wall
    else:
        assert wall < shown <= wall + timedelta(days=1)


def _fall_backs(zone: str) -> list[tuple[datetime, timedelta]]:
    """The instants a zone's offset decreases (1971-2037) and by how much."""
    tz = ZoneInfo(zone)
    found = []
    day = datetime(1971, 1, 1, tzinfo=UTC)
    previous = day.astimezone(tz).utcoffset()
    while day.year < 2038:
        following = day + timedelta(days=1)
        offset = following.astimezone(tz).utcoffset()
        if offset is not None and previous is not None and offset < previous:
            low, high = day, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(microsecond=0), previous - offset))
        previous, day = offset, following
    return found


FALL_BACKS = {zone: _fall_backs(zone) for zone in ZONES}
FALL_BACK_ZONES = [zone for zone, changes in FALL_BACKS.items() if changes]


@st.composite
def ambiguous_walls(draw: st.DrawFn) -> tuple[datetime, str]:
    """A wall time inside a fall-back overlap: it happens twice."""
    zone = draw(st.sampled_from(FALL_BACK_ZONES))
    change, shift = draw(st.sampled_from(FALL_BACKS[zone]))
    into = draw(st.integers(min_value=0, max_value=int(shift.total_seconds()) - 1))
    wall = (change + timedelta(seconds=into)).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return wall, zone


@settings(max_examples=300, deadline=None)
@given(case=ambiguous_walls())
def test_ambiguous_wall_times_take_the_first_occurrence(case):
    wall, zone = case
    assert ambiguous(wall, zone)
    parsed = parse_local_datetime(wall_text(wall), zone)
    first = wall.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=ZoneInfo(zone), fold=1).astimezone(UTC)
    assert parsed == first < second
    assert format_datetime(parsed, zone)[:19] == wall_text(wall)


@settings(max_examples=300, deadline=None)
@given(
    wall=walls,
    zone=zones,
    suffix=st.sampled_from(["Z", "+05:00", "-0330", "+01", " UTC", ".123", ".5+02:00"]),
)
def test_an_offset_in_the_input_does_not_shift_the_wall_time(wall, zone, suffix):
    assert parse_local_datetime(wall_text(wall) + suffix, zone) == parse_local_datetime(wall_text(wall), zone)


@settings(max_examples=300, deadline=None)
@given(wall=walls, zone=zones)
def test_short_and_space_separated_forms_read_like_the_full_one(wall, zone):
    full = parse_local_datetime(wall.strftime("%Y-%m-%dT%H:%M:00"), zone)
    assert parse_local_datetime(wall.strftime("%Y-%m-%d %H:%M"), zone) == full
    assert parse_local_datetime(wall.strftime("%Y-%m-%dT%H:%M"), zone) == full


@settings(max_examples=300, deadline=None)
@given(wall=walls, zone=zones)
def test_query_datetimes_are_strict_but_read_the_same_way(wall, zone):
    assert parse_strict_datetime(wall_text(wall), zone) == parse_local_datetime(wall_text(wall), zone)
    assert parse_strict_datetime(wall.strftime("%Y-%m-%d %H:%M:%S"), zone) is None
    assert parse_strict_datetime(wall.strftime("%Y-%m-%dT%H:%M"), zone) is None
    assert parse_strict_datetime(wall_text(wall) + "Z", zone) is None


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30), zone=zones)
def test_garbage_never_raises(text, zone):
    parsed = parse_local_datetime(text, zone)
    assert parsed is None or parsed.tzinfo is not None
    assert parse_strict_datetime(text, zone) is None or re.fullmatch(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", text
    )


def test_impossible_calendar_dates_are_refused():
    assert parse_local_datetime("2024-02-30T10:00:00", "UTC") is None
    assert parse_local_datetime("2023-02-29 10:00", "UTC") is None
    assert parse_local_datetime("2024-05-01T10:05:00garbage", "UTC") is None
    assert parse_strict_datetime("2024-13-01T10:00:00", "UTC") is None
