"""Languages of the web app: gettext catalogues, negotiation, and locale-aware formatting.

Texts come from the catalogues in `translations/` (compiled `.mo` files are committed, see
docs/web.md); dates, times and numbers are formatted with Babel in the user's locale and timezone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.dates import get_time_format, match_skeleton, parse_pattern
from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import get_decimal_symbol, get_group_symbol
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
# Languages with a complete catalogue; others fall back to English.
UI_LANGUAGES = ("en", "de")
FALLBACK_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a text for extraction where it is translated later, at render time."""
    return message


@cache
def translations(language: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [language], domain="messages")


def ui_language(preferred: str | None) -> str:
    """The catalogue to use for a stored language such as `de_CH` (→ de) or `fr` (→ en)."""
    if not preferred:
        return FALLBACK_LANGUAGE
    base = re.split(r"[_-]", preferred, maxsplit=1)[0].lower()
    return base if base in UI_LANGUAGES else FALLBACK_LANGUAGE


def negotiate_language(accept_language: str | None, default: str | None = None) -> str:
    """The best catalogue for a browser's Accept-Language header (q-values honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        base = re.split(r"[_-]", tag, maxsplit=1)[0].lower()
        if base in UI_LANGUAGES:
            return base
    return ui_language(default)


@lru_cache(maxsize=256)
def parse_locale(identifier: str | None, fallback: str = FALLBACK_LANGUAGE) -> Locale:
    for candidate in (identifier, fallback, FALLBACK_LANGUAGE):
        if not candidate:
            continue
        try:
            return Locale.parse(candidate.replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return Locale("en")


# Locales offered in the profile; a stored locale outside this list is offered too.
OFFERED_LOCALES = [
    "ar",
    "bg",
    "cs",
    "da",
    "de",
    "de_AT",
    "de_CH",
    "de_DE",
    "el",
    "en",
    "en_AU",
    "en_CA",
    "en_GB",
    "en_IE",
    "en_IN",
    "en_NZ",
    "en_US",
    "en_ZA",
    "es",
    "es_AR",
    "es_ES",
    "es_MX",
    "et",
    "fa",
    "fi",
    "fr",
    "fr_BE",
    "fr_CA",
    "fr_CH",
    "fr_FR",
    "he",
    "hr",
    "hu",
    "id",
    "it",
    "it_CH",
    "it_IT",
    "ja",
    "ko",
    "lt",
    "lv",
    "nb_NO",
    "nl",
    "nl_BE",
    "nl_NL",
    "pl",
    "pt",
    "pt_BR",
    "pt_PT",
    "ro",
    "ru",
    "sk",
    "sl",
    "sr",
    "sv",
    "sv_FI",
    "tr",
    "uk",
    "vi",
    "zh_CN",
    "zh_Hant_TW",
]


@lru_cache(maxsize=8)
def locale_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(identifier, name in the UI language) for every offered locale, sorted by name."""
    display = Locale.parse(language)
    named = []
    for identifier in OFFERED_LOCALES:
        name = Locale.parse(identifier).get_display_name(display) or identifier
        named.append((identifier, f"{name} ({identifier})"))
    return tuple(sorted(named, key=lambda item: item[1].casefold()))


@lru_cache(maxsize=8)
def language_choices(language: str) -> tuple[tuple[str, str], ...]:
    display = Locale.parse(language)
    return tuple((code, Locale.parse(code).get_display_name(display) or code) for code in UI_LANGUAGES)


@lru_cache(maxsize=64)
def _skeleton_pattern(locale: str, skeleton: str) -> str:
    """The locale's pattern for a skeleton, matched once (what babel's format_skeleton does on
    every call)."""
    skeletons = Locale.parse(locale).datetime_skeletons
    if skeleton not in skeletons:
        skeleton = match_skeleton(skeleton, skeletons) or skeleton
    return str(skeletons[skeleton].pattern)


@lru_cache(maxsize=4096)
def _day_text(locale: Locale, skeleton: str, value: date) -> str:
    """A day's text for a skeleton: the pages of a week show the same few days on every request,
    each made once (about 40 µs through Babel)."""
    return babel_format_datetime(value, _skeleton_pattern(str(locale), skeleton), locale=locale)


# Time fields that read the wall clock alone: hours, minutes, seconds and the period of the day.
_WALL_CLOCK_FIELDS = frozenset("hHkKmsabB")
_FIELD = re.compile(r"%\((\w)\w*\)s")
_NAMED_TIME_FORMATS = frozenset({"full", "long", "medium", "short"})


@lru_cache(maxsize=256)
def _wall_clock_shape(locale: Locale, format: str) -> tuple[bool, bool]:
    """Whether a time format's text depends on the wall clock alone (no zone, no fraction of a
    second), and whether it reads the seconds: to show them, or for a day period that holds
    only at an instant ("midnight" is 00:00:00, not 00:00:07)."""
    pattern = format
    if format in _NAMED_TIME_FORMATS:
        pattern = get_time_format(cast(Any, format), locale).pattern
    fields = set(_FIELD.findall(str(parse_pattern(pattern).format)))
    return fields <= _WALL_CLOCK_FIELDS, bool(fields & {"s", "b", "B"})


@lru_cache(maxsize=8192)
def _wall_clock_time(locale: str, format: str, hour: int, minute: int, second: int) -> str:
    # Keyed by the locale's name: hashing a Locale runs Python code, a string's hash is kept.
    return babel_format_time(time(hour, minute, second), format=format, locale=locale)


# The quantum of each number of decimals a page shows (0.01 for two).
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(9)}


@lru_cache(maxsize=256)
def _number_symbols(locale: Locale) -> dict[int, str] | None:
    """Python's grouping comma and decimal point → the locale's symbols, for numbers of the
    pattern `#,##0.00` (groups of three, the sign an ASCII hyphen, Latin digits: Babel's own
    rendering of it); None where Babel's text cannot be made so: its pattern step removes
    single quotes, and Swiss German groups with one."""
    group = get_group_symbol(locale, numbering_system="latn")
    point = get_decimal_symbol(locale, numbering_system="latn")
    if "'" in group + point:
        return None
    return str.maketrans({",": group, ".": point})


class Formatter:
    """Formats values for one person: their locale for the shape, their timezone for instants."""

    def __init__(self, locale: Locale, timezone: str) -> None:
        self.locale = locale
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self._days: dict[tuple[date, str], str] = {}
        self.locale_name = str(locale)
        self._time_shapes: dict[str, tuple[bool, bool]] = {}

    def format_date(self, value: date | datetime | None, format: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return babel_format_date(value, format=format, locale=self.locale)

    def format_day(self, value: date | datetime | None, skeleton: str = "MMMEd") -> str:
        """A date in the locale's shape for the given fields (default: weekday, day and month)."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        # A week's pages name each of its seven days dozens of times: each shape is looked up once
        # per page (hashing the locale costs more than the dictionary).
        key = (value, skeleton)
        shown = self._days.get(key)
        if shown is None:
            shown = self._days[key] = _day_text(self.locale, skeleton, value)
        return shown

    def format_datetime(self, value: datetime | None, format: str = "medium") -> str:
        if value is None:
            return ""
        return babel_format_datetime(value, format=format, tzinfo=self.zone, locale=self.locale)

    def format_time(self, value: datetime | None, format: str = "short") -> str:
        if value is None:
            return ""
        # A page shows a few dozen times (20 µs each through Babel); a locale's short format has
        # 1,440 texts, each made once.
        shape = self._time_shapes.get(format)
        if shape is None:
            shape = self._time_shapes[format] = _wall_clock_shape(self.locale, format)
        wall_clock, seconds = shape
        if not wall_clock or not isinstance(value, datetime):
            return babel_format_time(value, format=format, tzinfo=self.zone, locale=self.locale)
        # Babel reads a naive instant as UTC.
        local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(self.zone)
        return _wall_clock_time(
            self.locale_name, format, local.hour, local.minute, local.second if seconds else 0
        )

    def format_number(self, value: Decimal | float | int | None, decimals: int = 2) -> str:
        if value is None:
            return ""
        # Babel's steps for the pattern, without its per-call lookups (8 µs a number; the
        # all-users report in money shows 6,000): the sign apart, the magnitude quantized half
        # to even, grouped by three, then the locale's symbols.
        symbols = _number_symbols(self.locale)
        quantum = _QUANTA.get(decimals)
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if symbols is None or quantum is None or not number.is_finite():
            pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
            return babel_format_decimal(value, format=pattern, locale=self.locale)
        text = f"{abs(number).normalize().quantize(quantum):,f}".translate(symbols)
        return "-" + text if number.is_signed() else text

    @staticmethod
    def format_duration(seconds: int | None) -> str:
        """Hours and minutes as Kimai shows them: 7:05, 123:00."""
        seconds = int(seconds or 0)
        sign = "-" if seconds < 0 else ""
        minutes = abs(seconds) // 60
        return f"{sign}{minutes // 60}:{minutes % 60:02d}"

    def format_hours(self, seconds: int | None) -> str:
        """Decimal hours in the locale's notation: 7.08 / 7,08."""
        return self.format_number(Decimal(int(seconds or 0)) / Decimal(3600), 2)


# Messages of the shared form fields and services carry numbers; each shape is translated once.
_MESSAGE_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"This value is too short\. It should have (?P<limit>\d+) characters? or more\."),
        N_("This value is too short. It should have %(limit)s characters or more."),
    ),
    (
        re.compile(r"This value is too long\. It should have (?P<limit>\d+) characters? or less\."),
        N_("This value is too long. It should have %(limit)s characters or less."),
    ),
    (
        re.compile(r"This value should have between (?P<low>\d+) and (?P<high>\d+) characters\."),
        N_("This value should have between %(low)s and %(high)s characters."),
    ),
    (
        re.compile(r"This value should be greater than or equal to (?P<limit>[-\d.]+)\."),
        N_("This value should be greater than or equal to %(limit)s."),
    ),
    (
        re.compile(r"This value should be less than or equal to (?P<limit>[-\d.]+)\."),
        N_("This value should be less than or equal to %(limit)s."),
    ),
)


def translate_message(gettext: Callable[[str], str], message: str) -> str:
    """A service or form message in the user's language (numbers kept, shape translated)."""
    for pattern, shape in _MESSAGE_SHAPES:
        match = pattern.fullmatch(message)
        if match:
            return gettext(shape) % match.groupdict()
    return gettext(message)


# Messages of the shared form fields (api/forms.py) and of the services that web forms show.
DOMAIN_MESSAGES = (
    N_("This value should not be blank."),
    N_("The selected choice is invalid."),
    N_("This value is not valid."),
    N_("This value is not a valid email address."),
    N_("Please enter a valid date."),
    N_("Please enter a valid money amount."),
    N_("Please enter an integer."),
    N_("Please enter a number."),
    N_("This value is not a valid timezone."),
    N_("This value is not a valid locale."),
    N_("This form should not contain extra fields."),
    N_("The email is already used."),
    N_("The username is already used."),
    N_("The expiry date must be after today."),
    N_("The password fields must match."),
    N_("This value should be the user's current password."),
    N_("The new password must differ from the current one."),
    N_("Unknown preference."),
    N_("Unknown setting."),
)
