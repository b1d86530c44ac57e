"""The booking selects' options: written in one pass, escaped, the chosen one selected."""

from __future__ import annotations

import orjson

from horae.web.choices import Option, Options, _parsed, option_tags


def test_options_carry_their_parent_and_mark_the_chosen_id():
    options = [Option(3, "Design", 7), Option(4, "Global"), Option(12, "Build", 7)]
    assert option_tags(options, "12", parents=True) == (
        '<option value="3" data-parent="7">Design</option>\n'
        '<option value="4" data-parent="">Global</option>\n'
        '<option value="12" data-parent="7" selected>Build</option>'
    )


def test_customer_options_have_no_parent_and_a_number_is_chosen_as_text():
    assert option_tags([Option(1, "Acme"), Option(2, "Beta")], 2) == (
        '<option value="1">Acme</option>\n<option value="2" selected>Beta</option>'
    )


def test_names_are_escaped_and_nothing_is_chosen_without_a_value():
    assert option_tags([Option(5, '<b>Fish & "Chips"</b>')], None) == (
        '<option value="5">&lt;b&gt;Fish &amp; &#34;Chips&#34;&lt;/b&gt;</option>'
    )


def test_kept_lists_write_their_tags_once_and_mark_only_the_exact_id():
    options = Options([[1, "One", 9], [12, "Twelve", None], [123, "Many", 9]])
    assert options.written(True) is options.written(True)
    assert option_tags(options, "12", parents=True) == (
        '<option value="1" data-parent="9">One</option>\n'
        '<option value="12" data-parent="" selected>Twelve</option>\n'
        '<option value="123" data-parent="9">Many</option>'
    )
    assert option_tags(options, "1", parents=False).count(" selected") == 1
    assert 'value="1" selected' in option_tags(options, "1")
    assert " selected" not in option_tags(options, '12"', parents=True)
    assert " selected" not in options.written(True)


def test_a_kept_answer_is_parsed_once():
    answer = orjson.dumps([[[1, "Acme", None]], [[2, "Site", 1]], [[3, "Build", 2]]])
    first = _parsed(answer)
    assert _parsed(answer) is first
    assert list(first.activities) == [[3, "Build", 2]]
