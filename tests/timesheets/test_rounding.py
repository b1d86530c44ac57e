"""Rounding of begin, end and duration (contract TIMESHEETS §6.2), as plain functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from horae.timesheets.rounding import WEEKDAYS, RoundingRule, round_begin, round_record, round_seconds

EVERY_DAY = frozenset(WEEKDAYS)
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
]


@pytest.mark.parametrize(
    ("direction", "value", "expected"),
    [
        ("floor", 14 * 60 + 59, 10 * 60),
        ("ceil", 10 * 60 + 1, 15 * 60),
        ("closest", 7 * 60 + 30, 5 * 60),
        ("closest", 7 * 60 + 31, 10 * 60),
        ("ceil", 10 * 60, 10 * 60),
    ],
)
def test_round_seconds_to_a_five_minute_grid(direction, value, expected):
    assert round_seconds(value, 5, direction) == expected


def test_zero_minutes_switch_rounding_off():
    assert round_seconds(1234, 0, "ceil") == 1234


def test_negative_values_keep_phps_remainder_sign():
    # PHP: -90 % 60 == -30, so flooring moves towards zero as Kimai does.
    assert round_seconds(-90, 1, "floor") == -60
    assert round_seconds(-90, 1, "ceil") == 0


def test_default_rule_drops_seconds_floor_begin_and_ceil_end():
    rule = RoundingRule(EVERY_DAY)
    begin = datetime(2020, 3, 27, 1, 35, 59, tzinfo=UTC)
    rounded = round_record(begin, begin + timedelta(seconds=46385), 0, (rule,), "Pacific/Tongatapu")
    assert rounded.begin == datetime(2020, 3, 27, 1, 35, tzinfo=UTC)
    assert rounded.end == datetime(2020, 3, 27, 14, 30, tzinfo=UTC)
    assert rounded.duration == 46500


def test_duration_is_rounded_after_the_break_is_taken_off():
    rule = RoundingRule(EVERY_DAY, begin=0, end=0, duration=15, mode="default")
    begin = datetime(2024, 5, 1, 8, tzinfo=UTC)
    rounded = round_record(begin, begin + timedelta(hours=2), 20 * 60, (rule,), "UTC")
    assert rounded.duration == 105 * 60


def test_every_matching_rule_applies_in_order():
    rules = (RoundingRule(EVERY_DAY, begin=5, end=5, mode="floor"), RoundingRule(EVERY_DAY, begin=15, end=15))
    begin = datetime(2024, 5, 1, 8, 13, tzinfo=UTC)
    rounded = round_record(begin, begin + timedelta(minutes=44), 0, rules, "UTC")
    assert (rounded.begin.minute, rounded.end.minute) == (0, 0)
    assert rounded.end.hour == 9


def test_a_rule_applies_only_on_its_weekdays_of_the_end_in_the_records_zone():
    sunday_only = RoundingRule(frozenset({"sunday"}), begin=0, end=15)
    end = datetime(2024, 6, 30, 23, 5, tzinfo=UTC)  # Sunday in UTC, Monday in Berlin
    assert round_record(end, end, 0, (sunday_only,), "UTC").end.minute == 15
    assert round_record(end, end, 0, (sunday_only,), "Europe/Berlin").end.minute == 5


def test_a_running_record_only_has_its_begin_rounded():
    rule = RoundingRule(EVERY_DAY, begin=10)
    assert round_begin(datetime(2024, 5, 1, 8, 17, tzinfo=UTC), (rule,), "UTC").minute == 10


instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))


@settings(max_examples=300, deadline=None)
@given(
    value=st.integers(min_value=0, max_value=10**10),
    minutes=st.integers(min_value=1, max_value=24 * 60),
)
def test_rounded_values_lie_on_the_grid_within_one_step(value, minutes):
    step = minutes * 60
    low, high, near = (round_seconds(value, minutes, d) for d in ("floor", "ceil", "closest"))
    for rounded in (low, high, near):
        assert rounded % step == 0
        assert abs(rounded - value) < step
    assert low <= value <= high
    assert abs(near - value) <= step / 2


@settings(max_examples=300, deadline=None)
@given(
    begin=instants,
    length=st.integers(min_value=0, max_value=3 * 86400),
    pause=st.integers(min_value=0, max_value=3600),
    zone=st.sampled_from(ZONES),
    mode=st.sampled_from(["default", "floor", "ceil", "closest"]),
    minutes=st.sampled_from([1, 5, 15, 30, 60]),
)
def test_rounded_duration_is_elapsed_time_minus_break_in_any_zone(begin, length, pause, zone, mode, minutes):
    rule = RoundingRule(EVERY_DAY, begin=minutes, end=minutes, duration=0, mode=mode)
    end = begin + timedelta(seconds=length)
    rounded = round_record(begin, end, pause, (rule,), zone)
    assert rounded.duration == int((rounded.end - rounded.begin).total_seconds()) - pause
    # The grid is aligned to UTC timestamps, whatever the zone.
    assert int(rounded.begin.timestamp()) % (minutes * 60) == 0
    assert int(rounded.end.timestamp()) % (minutes * 60) == 0
    if mode == "default":
        assert rounded.begin <= begin and rounded.end >= end


@settings(max_examples=200, deadline=None)
@given(begin=instants, length=st.integers(min_value=0, max_value=86400), zone=st.sampled_from(ZONES))
def test_without_rules_the_duration_is_exact_across_dst(begin, length, zone):
    end = begin + timedelta(seconds=length)
    assert round_record(begin, end, 0, (), zone).duration == length
