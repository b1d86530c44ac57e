"""The web app's catalogues: every text translated into English and German, compiled files current;
its times and numbers made as Babel makes them in every offered locale."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st

import horae.web
from horae.web.i18n import UI_LANGUAGES, translate_message

WEB_DIR = Path(horae.web.__file__).parent
TRANSLATIONS = WEB_DIR / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def _extracted() -> set[str]:
    with open(TRANSLATIONS / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {message for _, _, message, _, _ in extract_from_dir(WEB_DIR, method_map, options_map)}


def _catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_every_text_is_translated(language):
    catalog = _catalog(language)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_extracted() - translated)
    assert missing == [], f"run scripts/translations and translate: {missing}"


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language):
    source = {m.id: m.string for m in _catalog(language) if m.id and not m.fuzzy}
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run scripts/translations to compile the .mo files"


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_translations_keep_their_placeholders(language):
    for message in _catalog(language):
        if message.id and message.string:
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), (
                message.id
            )


def test_service_messages_with_numbers_are_translated_by_shape():
    german = _catalog("de")

    def gettext(text: str) -> str:
        found = german.get(text)
        return found.string if found and found.string else text

    assert translate_message(gettext, "This value is too long. It should have 60 characters or less.") == (
        "Dieser Wert ist zu lang. Er darf höchstens 60 Zeichen haben."
    )
    assert (
        translate_message(gettext, "The password fields must match.")
        == "Die Passwörter müssen übereinstimmen."
    )
    assert translate_message(gettext, "A text nobody translated.") == "A text nobody translated."


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_days_are_named_in_the_locales_shape_for_each_skeleton(language):
    from datetime import date

    from babel import Locale
    from babel.dates import format_skeleton

    from horae.web.i18n import Formatter

    locale = Locale.parse(language)
    formatter = Formatter(locale, "Europe/Berlin")
    for skeleton in ("MMMEd", "EEE d", "EEEE d MMMM", "yMMMM"):
        for day in (date(2026, 11, 28), date(2027, 1, 1)):
            expected = format_skeleton(skeleton, day, locale=locale)
            # Asked twice: the second answer comes from the formatter's memory; another page's
            # formatter (another request) finds the text kept for every page.
            assert formatter.format_day(day, skeleton) == expected
            assert formatter.format_day(day, skeleton) == expected
            assert Formatter(locale, "Asia/Tokyo").format_day(day, skeleton) == expected


def test_times_are_babels_for_every_minute_in_every_offered_locale():
    """The formatter keeps a locale's time texts by wall clock; each must be Babel's own, whatever
    the zone, the day (DST changes included) or the format, and a format with a zone or a
    fraction of a second still goes to Babel."""
    from datetime import UTC, datetime, timedelta

    from babel import Locale
    from babel.dates import format_time

    from horae.web.i18n import OFFERED_LOCALES, Formatter

    # Berlin's autumn change (an hour seen twice) minute by minute; other days and zones sampled.
    days = (
        ("Europe/Berlin", datetime(2026, 10, 24, 22, 0, 0, tzinfo=UTC), 1),
        ("Europe/Berlin", datetime(2026, 3, 29, 0, 0, 7, tzinfo=UTC), 11),
        ("America/New_York", datetime(2026, 11, 1, 0, 0, 59, tzinfo=UTC), 11),
        ("Asia/Kolkata", datetime(2026, 6, 1, 0, 0, 30, tzinfo=UTC), 11),
    )
    for identifier in OFFERED_LOCALES:
        locale = Locale.parse(identifier)
        for zone, start, step in days:
            formatter = Formatter(locale, zone)
            for minute in range(0, 24 * 60, step):
                value = start + timedelta(minutes=minute)
                assert formatter.format_time(value) == format_time(
                    value, format="short", tzinfo=formatter.zone, locale=locale
                )
                if minute % 7 == 0 or step > 1:
                    for format in ("medium", "long", "full", "HH:mm:ss.SSS"):
                        assert formatter.format_time(value, format) == format_time(
                            value, format=format, tzinfo=formatter.zone, locale=locale
                        ), (identifier, zone, value, format)
    # A naive instant is read as UTC, as Babel reads it.
    formatter = Formatter(Locale.parse("de"), "Europe/Berlin")
    naive = datetime(2026, 7, 1, 12, 30)
    expected = format_time(naive, format="short", tzinfo=formatter.zone, locale="de")
    assert formatter.format_time(naive) == expected == "14:30"
    assert formatter.format_time(None) == ""


NUMBERS = [
    0,
    -0.0,
    Decimal("-0"),
    Decimal("-0.001"),
    Decimal("0.005"),
    Decimal("0.015"),
    Decimal("0.025"),
    2.675,
    0.1 + 0.2,
    12,
    -999,
    Decimal("999.995"),
    Decimal("1234.5"),
    Decimal("-1234567.005"),
    Decimal("12345678901234.56789"),
    Decimal("1E+3"),
    1e16,
]


def _babel_number(value, decimals, identifier):
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0." + "0" * decimals if decimals else "#,##0", locale=identifier)


@pytest.mark.parametrize("decimals", [0, 1, 2, 4])
def test_numbers_are_babels_in_every_offered_locale(decimals):
    """`Formatter.format_number` takes Babel's steps without its lookups; its text must be Babel's
    own, ties, signed zeros and floats included, Swiss German too (grouped by a quote, which
    Babel's pattern step removes)."""
    from babel import Locale

    from horae.web.i18n import OFFERED_LOCALES, Formatter

    for identifier in OFFERED_LOCALES:
        formatter = Formatter(Locale.parse(identifier), "UTC")
        for number in NUMBERS:
            expected = _babel_number(number, decimals, identifier)
            assert formatter.format_number(number, decimals) == expected, (identifier, number)
    assert Formatter(Locale.parse("de"), "UTC").format_number(None) == ""
    assert Formatter(Locale.parse("de"), "UTC").format_hours(5400) == "1,50"


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.integers(-(10**12), 10**12),
        st.floats(-1e12, 1e12, allow_nan=False),
        st.decimals(min_value=-(10**12), max_value=10**12, places=6, allow_nan=False, allow_infinity=False),
    ),
    st.sampled_from([0, 2, 4]),
)
def test_any_number_is_babels_in_every_offered_locale(value, decimals):
    from babel import Locale

    from horae.web.i18n import OFFERED_LOCALES, Formatter

    for identifier in OFFERED_LOCALES:
        formatter = Formatter(Locale.parse(identifier), "UTC")
        assert formatter.format_number(value, decimals) == _babel_number(value, decimals, identifier)
