"""System settings: typed defaults, overridden by rows of the configuration table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from horae.config.models import ConfigEntry
from horae.errors import ValidationFailed

DEFAULT_COLORS = (
    "Silver|#c0c0c0,Gray|#808080,Black|#000000,Maroon|#800000,Brown|#a52a2a,Red|#ff0000,"
    "Orange|#ffa500,Gold|#ffd700,Yellow|#ffff00,Peach|#ffdab9,Khaki|#f0e68c,Olive|#808000,"
    "Lime|#00ff00,Jelly|#9acd32,Green|#008000,Teal|#008080,Aqua|#00ffff,LightBlue|#add8e6,"
    "DeepSky|#00bfff,Dodger|#1e90ff,Blue|#0000ff,Navy|#000080,Purple|#800080,Fuchsia|#ff00ff,"
    "Violet|#ee82ee,Rose|#ffe4e1,Lavender|#E6E6FA"
)


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


def _int(value: str) -> int:
    return int(value.strip())


def _non_negative_int(value: str) -> int:
    number = int(value.strip())
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"one of {', '.join(choices)}")
        return value

    return parse


def _text(value: str) -> str:
    return value


def _days(value: str) -> str:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    for part in parts:
        if part not in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
            raise ValueError("a comma list of weekday names")
    return ",".join(parts)


@dataclass(frozen=True)
class SettingSpec:
    name: str
    default: str
    parse: Callable[[str], Any]
    description: str


SETTINGS: dict[str, SettingSpec] = {
    spec.name: spec
    for spec in (
        SettingSpec(
            "timesheet.mode",
            "default",
            _choice("default", "duration_only", "duration_fixed_begin", "punch"),
            "Tracking mode: default, duration_only, duration_fixed_begin or punch",
        ),
        SettingSpec("timesheet.default_begin", "now", _text, "Default begin of new entries: now or HH:MM"),
        SettingSpec(
            "timesheet.active_entries.hard_limit", "1", _non_negative_int, "Running entries allowed per user"
        ),
        SettingSpec("timesheet.rules.allow_future_times", "1", _bool, "Allow entries in the future"),
        SettingSpec("timesheet.rules.allow_overlapping_records", "1", _bool, "Allow overlapping entries"),
        SettingSpec("timesheet.rules.allow_zero_duration", "1", _bool, "Allow entries of zero duration"),
        SettingSpec("timesheet.rules.allow_overbooking_budget", "1", _bool, "Allow booking beyond budgets"),
        SettingSpec(
            "timesheet.rules.long_running_duration",
            "0",
            _non_negative_int,
            "Maximum duration in minutes (0: none)",
        ),
        SettingSpec("timesheet.rules.require_activity", "1", _bool, "An entry needs an activity"),
        SettingSpec("timesheet.break_time", "0", _bool, "Entries carry a break"),
        SettingSpec("timesheet.rounding.default.begin", "1", _non_negative_int, "Round begin to N minutes"),
        SettingSpec("timesheet.rounding.default.end", "1", _non_negative_int, "Round end to N minutes"),
        SettingSpec(
            "timesheet.rounding.default.duration", "0", _non_negative_int, "Round duration to N minutes"
        ),
        SettingSpec(
            "timesheet.rounding.default.mode",
            "default",
            _choice("default", "closest", "floor", "ceil"),
            "Rounding mode: default, closest, floor or ceil",
        ),
        SettingSpec(
            "timesheet.rounding.default.days",
            "monday,tuesday,wednesday,thursday,friday,saturday,sunday",
            _days,
            "Weekdays on which rounding applies",
        ),
        SettingSpec("timesheet.lockdown_period_start", "", _text, "Lockdown period start (relative date)"),
        SettingSpec("timesheet.lockdown_period_end", "", _text, "Lockdown period end (relative date)"),
        SettingSpec("timesheet.lockdown_grace_period", "", _text, "Lockdown grace period (relative date)"),
        SettingSpec("timesheet.lockdown_period_timezone", "", _text, "Timezone of the lockdown period"),
        SettingSpec("timesheet.duration_increment", "15", _non_negative_int, "Duration step in minutes"),
        SettingSpec("timesheet.time_increment", "15", _non_negative_int, "Time step in minutes"),
        SettingSpec("theme.color_choices", DEFAULT_COLORS, _text, "Colours offered for records: Name|#hex,…"),
        SettingSpec("theme.avatar_url", "0", _bool, "Users may set an avatar URL"),
        SettingSpec("customer.number_format", "{cc,4}", _text, "Format of generated customer numbers"),
        SettingSpec("customer.rules.allow_duplicate_number", "0", _bool, "Customer numbers may repeat"),
        SettingSpec("project.number_format", "{pc,4}", _text, "Format of generated project numbers"),
        SettingSpec("project.rules.allow_duplicate_number", "0", _bool, "Project numbers may repeat"),
        SettingSpec("activity.number_format", "{ac,4}", _text, "Format of generated activity numbers"),
        SettingSpec("activity.rules.allow_duplicate_number", "0", _bool, "Activity numbers may repeat"),
        SettingSpec("defaults.customer.country", "DE", _text, "Country of new customers"),
        SettingSpec("defaults.customer.currency", "EUR", _text, "Currency of new customers"),
        SettingSpec(
            "defaults.customer.timezone", "", _text, "Timezone of new customers (empty: server default)"
        ),
        SettingSpec("defaults.user.language", "en", _text, "Language of new users"),
        SettingSpec("defaults.user.timezone", "", _text, "Timezone of new users (empty: server default)"),
    )
}


class SystemConfig:
    """The settings as read in one unit of work."""

    def __init__(self, stored: dict[str, str | None]) -> None:
        self._stored = stored

    def raw(self, name: str) -> str:
        spec = SETTINGS[name]
        value = self._stored.get(name)
        return spec.default if value is None else value

    def get(self, name: str) -> Any:
        return SETTINGS[name].parse(self.raw(name))

    def colors(self) -> dict[str, str]:
        """Configured colours, name → hex, without the default grey and without repeated values."""
        result: dict[str, str] = {}
        seen: set[str] = set()
        for item in self.raw("theme.color_choices").split(","):
            item = item.strip()
            if not item:
                continue
            name, _, value = item.partition("|")
            value = (value or name).strip()
            name = name.strip()
            if value.lower() == "#d2d6de" or value.lower() in seen:
                continue
            seen.add(value.lower())
            result[name] = value
        return result or {"Silver": "#c0c0c0"}


def load_config(session: Session) -> SystemConfig:
    rows = session.execute(select(ConfigEntry.name, ConfigEntry.value)).all()
    return SystemConfig({name: value for name, value in rows})


def set_config(session: Session, name: str, value: str) -> None:
    """Stores one setting after checking its type; unknown names and bad values are refused."""
    spec = SETTINGS.get(name)
    if spec is None:
        raise ValidationFailed({name: ["Unknown setting."]})
    try:
        spec.parse(value)
    except ValueError as exc:
        raise ValidationFailed({name: [f"Invalid value: {exc}."]}) from exc
    entry = session.scalars(select(ConfigEntry).where(ConfigEntry.name == name)).first()
    if entry is None:
        session.add(ConfigEntry(name=name, value=value))
    else:
        entry.value = value
    session.flush()
