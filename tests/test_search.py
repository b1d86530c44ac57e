"""Parsing of Kimai's `term` search parameter."""

from __future__ import annotations

from horae.search import TermPart, like_pattern, parse_term


def test_words_fields_and_exclusions():
    assert parse_term('acme !old tier:gold tier:!silver note:* code:~ ref:"" name:') == [
        TermPart("acme"),
        TermPart("old", excluded=True),
        TermPart("gold", field="tier"),
        TermPart("silver", field="tier", excluded=True),
        TermPart("*", field="note"),
        TermPart("~", field="code"),
        TermPart("", field="ref"),
        TermPart("name:"),
    ]


def test_a_lone_exclamation_mark_is_a_word():
    assert parse_term("!") == [TermPart("!")]


def test_empty_terms_have_no_parts():
    assert parse_term(None) == []
    assert parse_term("   ") == []


def test_like_patterns_escape_wildcards_and_lower_the_case():
    assert like_pattern("50%_Off/") == "%50/%/_off//%"


def test_nul_characters_are_dropped_from_terms():
    assert parse_term("ac\x00me \x00") == [TermPart("acme")]
