"""Kimai's rounding of begin, end and duration.

Rounding works on Unix timestamps (so the grid is aligned to UTC, not to local time) and a rule
is chosen by the weekday of the end in the record's timezone. Every matching rule is applied in
order. Values are plain integers of seconds so the functions are easy to reason about and test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from horae.api.wire import zone

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MODES = ("default", "closest", "floor", "ceil")

# The direction each mode rounds begin, end and duration in.
_DIRECTIONS = {
    "default": ("floor", "ceil", "ceil"),
    "floor": ("floor", "floor", "floor"),
    "ceil": ("ceil", "ceil", "ceil"),
    "closest": ("closest", "closest", "closest"),
}


@dataclass(frozen=True)
class RoundingRule:
    """One rule of `timesheet.rounding.<name>`: minutes for begin, end and duration (0 = off)."""

    days: frozenset[str]
    begin: int = 1
    end: int = 1
    duration: int = 0
    mode: str = "default"

    def applies_on(self, weekday: str) -> bool:
        return weekday in self.days

    @property
    def directions(self) -> tuple[str, str, str]:
        return _DIRECTIONS.get(self.mode, _DIRECTIONS["default"])


def round_seconds(value: int, minutes: int, direction: str) -> int:
    """Rounds a number of seconds to a multiple of `minutes` minutes.

    The remainder keeps the sign of the value (PHP's `%`), so negative values move towards zero
    when floored, as in Kimai. An exact half rounds down in `closest` mode.
    """
    if minutes <= 0:
        return value
    step = minutes * 60
    diff = abs(value) % step
    if value < 0:
        diff = -diff
    if diff == 0:
        return value
    if direction == "floor":
        return value - diff
    if direction == "ceil":
        return value - diff + step
    if diff > step / 2:
        return value - diff + step
    return value - diff


def weekday(instant: datetime, timezone: str) -> str:
    return WEEKDAYS[instant.astimezone(zone(timezone)).weekday()]


def _timestamp(instant: datetime) -> int:
    return int(instant.timestamp())


def _instant(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def round_begin(begin: datetime, rules: tuple[RoundingRule, ...], timezone: str) -> datetime:
    """The begin of a new running record, rounded by the rules of its own weekday."""
    value = _timestamp(begin)
    for rule in rules:
        if rule.applies_on(weekday(_instant(value), timezone)):
            value = round_seconds(value, rule.begin, rule.directions[0])
    return _instant(value)


def round_end(end: datetime, rules: tuple[RoundingRule, ...], timezone: str) -> datetime:
    value = _timestamp(end)
    for rule in rules:
        if rule.applies_on(weekday(_instant(value), timezone)):
            value = round_seconds(value, rule.end, rule.directions[1])
    return _instant(value)


@dataclass(frozen=True)
class Rounded:
    begin: datetime
    end: datetime
    duration: int


def round_record(
    begin: datetime, end: datetime, break_seconds: int, rules: tuple[RoundingRule, ...], timezone: str
) -> Rounded:
    """Rounds a stopped record: begin, then end, then duration = end - begin - break, rounded.

    The rule is picked by the weekday of the (possibly already rounded) end, as Kimai does.
    """
    start, stop = _timestamp(begin), _timestamp(end)
    duration = stop - start - break_seconds
    for rule in rules:
        if not rule.applies_on(weekday(_instant(stop), timezone)):
            continue
        begin_dir, end_dir, duration_dir = rule.directions
        start = round_seconds(start, rule.begin, begin_dir)
        stop = round_seconds(stop, rule.end, end_dir)
        duration = round_seconds(stop - start - break_seconds, rule.duration, duration_dir)
    return Rounded(_instant(start), _instant(stop), duration)
